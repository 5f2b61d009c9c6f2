import type { AddressInfo } from 'node:net';
import t from 'tap';
import { DEFAULT_ADMISSION_POLICY } from '../../../server/admission/policy.ts';
import { createCertificateBundle, renewServingCertificate } from '../../../server/certs/certificate-bundle.ts';
import { TlsContext } from '../../../server/certs/tls-context.ts';
import type { PullguardApp } from '../../../server/http/build-server.ts';
import { reviewFunctionFor } from '../../../server/http/review-function.ts';
import { loadReview } from '../admission/helpers/fixtures.ts';
import { noCredentials, ScriptedResolver } from './helpers/fakes.ts';
import { buildTestServer } from './helpers/test-server.ts';
import { callHttp1, callHttp2 } from './helpers/tls-client.ts';

const POD_UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const names = { serviceName: 'pullguard', namespace: 'pullguard', ipAddresses: ['127.0.0.1'] };

function tlsFixture(): { bundle: ReturnType<typeof createCertificateBundle>; tls: TlsContext } {
  const bundle = createCertificateBundle(names);
  return { bundle, tls: new TlsContext({ key: bundle.keyPem, cert: bundle.certPem, ca: bundle.caPem }) };
}

async function listen(app: PullguardApp): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

t.test('reviews over TLS, HTTP/1.1 and HTTP/2, verified against the CA', async (t) => {
  const { bundle, tls } = tlsFixture();
  const { app } = buildTestServer({ tls });
  t.teardown(() => app.close());
  const port = await listen(app);
  const body = JSON.stringify(loadReview('pod-create'));

  for (const call of [callHttp1, callHttp2]) {
    const reply = await call({ port, ca: bundle.caPem, method: 'POST', path: '/validate/enforce', body });
    t.equal(reply.status, 200, reply.protocol);
    const review = JSON.parse(reply.body);
    t.equal(review.response.uid, POD_UID, `${reply.protocol}: uid`);
    t.equal(review.response.allowed, true);
    t.equal(reply.serialNumber, tls.info.serialNumber, `${reply.protocol}: the generated certificate`);
  }
  const h1 = await callHttp1({ port, ca: bundle.caPem, method: 'GET', path: '/healthz' });
  t.equal(h1.protocol, 'HTTP/1.1');
  const h2 = await callHttp2({ port, ca: bundle.caPem, method: 'GET', path: '/readyz' });
  t.equal(h2.protocol, 'HTTP/2 (h2)');
  t.equal(h2.status, 200);
});

t.test('a client that does not trust the CA is refused', async (t) => {
  const { tls } = tlsFixture();
  const other = createCertificateBundle(names);
  const { app } = buildTestServer({ tls });
  t.teardown(() => app.close());
  const port = await listen(app);
  await t.rejects(callHttp1({ port, ca: other.caPem, method: 'GET', path: '/healthz' }), {
    code: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|CERT_SIGNATURE_FAILURE|UNABLE_TO_GET_ISSUER/,
  });
});

t.test('a renewed certificate is served without a restart', async (t) => {
  const { bundle, tls } = tlsFixture();
  const { app } = buildTestServer({ tls });
  t.teardown(() => app.close());
  const port = await listen(app);
  const before = await callHttp1({ port, ca: bundle.caPem, method: 'GET', path: '/healthz' });
  t.equal(before.serialNumber, tls.info.serialNumber);

  const renewed = renewServingCertificate(bundle, names);
  t.ok(tls.update({ key: renewed.keyPem, cert: renewed.certPem, ca: renewed.caPem }), 'the context changed');
  for (const call of [callHttp1, callHttp2]) {
    const after = await call({ port, ca: bundle.caPem, method: 'GET', path: '/healthz' });
    t.equal(after.status, 200, after.protocol);
    t.not(after.serialNumber, before.serialNumber, `${after.protocol}: a new certificate`);
    t.equal(after.serialNumber, tls.info.serialNumber, `${after.protocol}: the renewed one`);
  }
});

t.test('close: stop accepting, finish the review in flight, then close components', async (t) => {
  const { bundle, tls } = tlsFixture();
  const events: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started: () => void = () => {};
  const inFlight = new Promise<void>((resolve) => {
    started = resolve;
  });
  const answer = reviewFunctionFor({
    resolver: new ScriptedResolver(),
    credentials: noCredentials,
    policy: DEFAULT_ADMISSION_POLICY,
    clusterPlatforms: [],
    deadlineMs: 1000,
  });
  const { app } = buildTestServer({
    tls,
    review: async (body, route, options) => {
      started();
      await gate;
      events.push('review answered');
      return answer(body, route, options);
    },
    onClose: [() => void events.push('informers closed'), () => void events.push('controller closed')],
  });
  const port = await listen(app);
  const body = JSON.stringify(loadReview('pod-create'));
  const pending = callHttp1({ port, ca: bundle.caPem, method: 'POST', path: '/validate/enforce', body });
  await inFlight;

  const closing = app.close();
  await t.rejects(
    callHttp1({ port, ca: bundle.caPem, method: 'GET', path: '/healthz' }),
    { code: 'ECONNREFUSED' },
    'no new connections once closing',
  );
  t.same(events, [], 'nothing closed while a review is in flight');

  release();
  const reply = await pending;
  t.equal(reply.status, 200, 'the review in flight is answered');
  t.equal(JSON.parse(reply.body).response.uid, POD_UID);
  await closing;
  t.same(events, ['review answered', 'informers closed', 'controller closed'], 'components close last, in order');
});
