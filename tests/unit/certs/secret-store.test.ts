import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { createCertificateBundle, renewServingCertificate } from '../../../server/certs/certificate-bundle.ts';
import { SECRET_KEYS } from '../../../server/certs/secret-api.ts';
import { type CertificateLogger, ensureCertificateSecret, toSecretData } from '../../../server/certs/secret-store.ts';
import { FakeSecretApi } from './fake-secret-api.ts';

const DAY = 24 * 60 * 60 * 1000;
const ns = 'pullguard-system';
const name = 'pullguard-tls';
const serving = { serviceName: 'pullguard', namespace: ns };
const start = new Date('2026-01-01T00:00:00Z');

function setup(now: Date = start) {
  const api = new FakeSecretApi();
  const lines: string[] = [];
  const logger: CertificateLogger = {
    info: (fields, message) => lines.push(JSON.stringify({ level: 'info', ...fields, message })),
    warn: (fields, message) => lines.push(JSON.stringify({ level: 'warn', ...fields, message })),
  };
  const ensure = (overrides: { now?: Date; dnsNames?: string[] } = {}) =>
    ensureCertificateSecret({
      api,
      namespace: ns,
      name,
      serving: { ...serving, dnsNames: overrides.dnsNames },
      now: () => overrides.now ?? now,
      logger,
    });
  return { api, lines, ensure };
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber;
}

t.test('first start creates the Secret; a second instance reuses it', async (t) => {
  const { api, ensure } = setup();
  const first = await ensure();
  t.equal(first.action, 'created');
  t.same(api.calls, ['read', 'create']);
  const stored = api.secrets.get(`${ns}/${name}`);
  t.same(
    Object.keys(stored?.data ?? {}).sort(),
    [SECRET_KEYS.caCert, SECRET_KEYS.caKey, SECRET_KEYS.cert, SECRET_KEYS.key].sort(),
  );

  const second = await ensure();
  t.equal(second.action, 'reused');
  t.equal(second.bundle.certPem, first.bundle.certPem);
  t.equal(second.bundle.caPem, first.bundle.caPem);
  t.equal(second.resourceVersion, first.resourceVersion);
});

t.test('losing the create race: the 409 is followed by a read, and the winner’s certificate is used', async (t) => {
  const { api, ensure } = setup();
  const theirs = createCertificateBundle({ ...serving, now: start });
  api.hooks.beforeCreate = () => api.put(ns, name, toSecretData(theirs));
  const result = await ensure();
  t.same(api.calls, ['read', 'create', 'read']);
  t.equal(result.action, 'reused');
  t.equal(result.bundle.certPem, theirs.certPem);
  t.equal(result.bundle.caPem, theirs.caPem);
});

t.test('renewal keeps the stored CA and writes under the resourceVersion it read', async (t) => {
  const { api, ensure } = setup();
  const created = await ensure();
  const later = new Date(start.getTime() + 350 * DAY);
  const renewed = await ensure({ now: later });
  t.equal(renewed.action, 'renewed');
  t.same(api.calls, ['read', 'create', 'read', 'replace']);
  t.equal(renewed.bundle.caPem, created.bundle.caPem, 'same CA: the caBundle stays valid');
  t.not(serialOf(renewed.bundle.certPem), serialOf(created.bundle.certPem));
  t.ok(new X509Certificate(renewed.bundle.certPem).verify(new X509Certificate(created.bundle.caPem).publicKey));
  t.equal(api.secrets.get(`${ns}/${name}`)?.data[SECRET_KEYS.cert], renewed.bundle.certPem);
  t.not(renewed.resourceVersion, created.resourceVersion);
});

t.test('renewal conflict: another replica renewed first; we re-read and use theirs', async (t) => {
  const { api, ensure } = setup();
  const created = await ensure();
  const later = new Date(start.getTime() + 350 * DAY);
  const theirs = renewServingCertificate(created.bundle, { ...serving, now: later });
  api.hooks.beforeReplace = () => api.put(ns, name, toSecretData(theirs));
  api.calls.length = 0;
  const result = await ensure({ now: later });
  t.same(api.calls, ['read', 'replace', 'read']);
  t.equal(result.action, 'reused');
  t.equal(result.bundle.certPem, theirs.certPem);
});

t.test('a new extra name re-issues the serving certificate from the same CA', async (t) => {
  const { ensure } = setup();
  const created = await ensure();
  const result = await ensure({ dnsNames: ['webhook.example.com'] });
  t.equal(result.action, 'renewed');
  t.equal(result.bundle.caPem, created.bundle.caPem);
  t.equal(new X509Certificate(result.bundle.certPem).checkHost('webhook.example.com'), 'webhook.example.com');
});

t.test('a Secret without a usable CA (e.g. pre-created empty) is filled in under its resourceVersion', async (t) => {
  const { api, ensure } = setup();
  api.put(ns, name, {});
  const result = await ensure();
  t.equal(result.action, 'regenerated');
  t.same(api.calls, ['read', 'replace']);
  t.equal(api.secrets.get(`${ns}/${name}`)?.data[SECRET_KEYS.caCert], result.bundle.caPem);
});

t.test('a CA close to its end is replaced along with the certificate', async (t) => {
  const { ensure } = setup();
  const created = await ensure();
  const result = await ensure({ now: new Date(start.getTime() + 3640 * DAY) });
  t.equal(result.action, 'regenerated');
  t.not(result.bundle.caPem, created.bundle.caPem);
});

t.test('endless conflicts end in a CertificateError', async (t) => {
  const { api, ensure } = setup();
  api.create = async () => ({ outcome: 'conflict' });
  await t.rejects(ensure(), { code: 'CERTIFICATE_ERROR', message: /after 5 conflicting attempts/ });
  t.equal(api.calls.filter((call) => call === 'read').length, 5);
});

t.test('logs name the Secret and the reason, never key material', async (t) => {
  const { api, lines, ensure } = setup();
  await ensure();
  await ensure({ now: new Date(start.getTime() + 350 * DAY) });
  api.put(ns, name, {});
  await ensure();
  t.ok(lines.length >= 3);
  const data = Object.values(api.secrets.get(`${ns}/${name}`)?.data ?? {});
  for (const line of lines) {
    t.notMatch(line, /BEGIN|PRIVATE KEY|CERTIFICATE-----/);
    for (const value of data) t.notOk(line.includes(value.slice(40, 80)), 'no PEM content');
    t.match(JSON.parse(line), { namespace: ns, name });
  }
});
