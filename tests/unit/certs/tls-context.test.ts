import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import t from 'tap';
import { createCertificateBundle, renewServingCertificate } from '../../../server/certs/certificate-bundle.ts';
import { bindSecureContext, TlsContext } from '../../../server/certs/tls-context.ts';
import type { TlsMaterial } from '../../../server/certs/tls-material.ts';

const serving = { serviceName: 'pullguard', namespace: 'ns', ipAddresses: ['127.0.0.1'] };
const first = createCertificateBundle(serving);
const second = renewServingCertificate(first, serving);
const material = (bundle: typeof first): TlsMaterial => ({
  key: bundle.keyPem,
  cert: bundle.certPem,
  ca: bundle.caPem,
});
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

t.test('update tells listeners once per real change and refuses unusable material', async (t) => {
  const context = new TlsContext(material(first));
  const seen: string[] = [];
  const unsubscribe = context.onChange((_, info) => seen.push(info.serialNumber));

  t.equal(context.info.serialNumber, serialOf(first.certPem));
  t.equal(context.update(material(first)), false, 'same material: no change');
  t.equal(context.update(material(second)), true);
  t.same(seen, [serialOf(second.certPem)]);
  t.equal(context.current.cert, second.certPem);

  t.throws(() => context.update({ ...material(first), key: second.keyPem }), {
    code: 'CERTIFICATE_ERROR',
    message: /does not belong/,
  });
  t.throws(() => context.update({ key: 'garbage', cert: first.certPem }), { code: 'CERTIFICATE_ERROR' });
  t.throws(() => context.update({ key: first.keyPem, cert: 'garbage' }), { code: 'CERTIFICATE_ERROR' });
  t.equal(context.current.cert, second.certPem, 'a refused update keeps the current certificate');

  unsubscribe();
  context.update(material(first));
  t.same(seen, [serialOf(second.certPem)], 'an unsubscribed listener hears nothing');
});

t.test('the constructor refuses unusable material', async (t) => {
  t.throws(() => new TlsContext({ key: first.keyPem, cert: second.certPem }), { code: 'CERTIFICATE_ERROR' });
});

t.test('a throwing listener does not stop the others', async (t) => {
  const errors: unknown[] = [];
  const context = new TlsContext(material(first), { onListenerError: (error) => errors.push(error) });
  let called = false;
  context.onChange(() => {
    throw new Error('boom');
  });
  context.onChange(() => {
    called = true;
  });
  context.update(material(second));
  t.ok(called);
  t.equal(errors.length, 1);
  t.equal(context.current.cert, second.certPem);
});

t.test('an https server swaps certificates without restarting', async (t) => {
  const context = new TlsContext(material(first));
  const server = createServer({ key: first.keyPem, cert: first.certPem }, (_, response) => response.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  const stop = bindSecureContext(server, context);
  t.teardown(stop);

  const before = await peerSerial(port, first.caPem);
  t.equal(before, serialOf(first.certPem), 'the first certificate verifies against the CA with SAN 127.0.0.1');

  context.update(material(second));
  const after = await peerSerial(port, first.caPem);
  t.equal(after, serialOf(second.certPem), 'a new connection sees the renewed certificate');
  t.not(after, before);
});

/** Connects with only the CA trusted (and hostname checks on 127.0.0.1) and returns the server's serial. */
async function peerSerial(port: number, ca: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, ca });
  try {
    await once(socket, 'secureConnect');
    return socket.getPeerCertificate().serialNumber.toUpperCase();
  } finally {
    socket.destroy();
  }
}
