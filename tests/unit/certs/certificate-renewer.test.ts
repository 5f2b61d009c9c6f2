import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { type CertificateBundle, createCertificateBundle } from '../../../server/certs/certificate-bundle.ts';
import { startCertificateRenewer } from '../../../server/certs/certificate-renewer.ts';
import { ensureCertificateSecret } from '../../../server/certs/secret-store.ts';
import { bindSecureContext, TlsContext } from '../../../server/certs/tls-context.ts';
import { eventually } from '../../harness/eventually.ts';
import { FakeSecretApi } from './fake-secret-api.ts';

const DAY = 24 * 60 * 60 * 1000;
const serving = { serviceName: 'pullguard', namespace: 'ns' };
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

t.test('a due certificate is renewed through the Secret and swapped into the server', async (t) => {
  let clock = new Date('2026-01-01T00:00:00Z');
  const api = new FakeSecretApi();
  const ensure = () =>
    ensureCertificateSecret({ api, namespace: 'ns', name: 'pullguard-tls', serving, now: () => clock });
  const initial = await ensure();
  const context = new TlsContext({ key: initial.bundle.keyPem, cert: initial.bundle.certPem });
  const installed: string[] = [];
  bindSecureContext({ setSecureContext: ({ cert }) => installed.push(serialOf(cert)) }, context);

  const renewer = startCertificateRenewer({
    initial: initial.bundle,
    refresh: async () => (await ensure()).bundle,
    onBundle: (bundle) => {
      context.update({ key: bundle.keyPem, cert: bundle.certPem });
    },
    now: () => clock,
  });
  t.teardown(() => renewer.stop());

  await renewer.checkNow();
  t.same(installed, [], 'nothing due, nothing swapped');

  clock = new Date(clock.getTime() + 340 * DAY);
  await renewer.checkNow();
  t.equal(installed.length, 1);
  t.equal(installed[0], context.info.serialNumber);
  t.not(installed[0], serialOf(initial.bundle.certPem));
  t.equal(api.secrets.get('ns/pullguard-tls')?.data['tls.crt'], context.current.cert, 'the Secret holds it too');
});

t.test('checks run on the timer and errors are retried', async (t) => {
  const bundles = [createCertificateBundle(serving), createCertificateBundle(serving)] as const;
  const received: CertificateBundle[] = [];
  const errors: unknown[] = [];
  let calls = 0;
  const renewer = startCertificateRenewer({
    initial: bundles[0],
    refresh: async () => {
      calls++;
      if (calls === 1) throw new Error('apiserver unavailable');
      return bundles[1];
    },
    onBundle: (bundle) => {
      received.push(bundle);
    },
    renewal: { maxCheckIntervalMs: 10 },
    retryDelayMs: 10,
    onError: (error) => errors.push(error),
  });
  t.teardown(() => renewer.stop());
  await eventually(() => (received.length > 0 ? true : undefined), { timeoutMs: 5000 });
  t.equal(errors.length, 1);
  t.equal(received[0], bundles[1]);

  renewer.stop();
  const before = calls;
  await renewer.checkNow();
  t.equal(calls, before, 'a stopped renewer does nothing');
});
