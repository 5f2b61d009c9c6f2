import t from 'tap';
import { loadReview } from '../admission/helpers/fixtures.ts';
import { absent, ScriptedResolver } from './helpers/fakes.ts';
import { buildTestServer, postReview } from './helpers/test-server.ts';

const POD_UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

t.test('validate routes answer per mode, echoing uid and apiVersion', async (t) => {
  const cases = [
    { mode: 'enforce', allowed: false, code: 403, warnings: false, annotations: false },
    { mode: 'warn', allowed: true, code: undefined, warnings: true, annotations: false },
    { mode: 'audit', allowed: true, code: undefined, warnings: false, annotations: true },
  ] as const;
  for (const c of cases) {
    const { app } = buildTestServer({ resolver: new ScriptedResolver().on('ghcr.io/acme/api:v1.2', absent()) });
    t.teardown(() => app.close());
    const reply = await postReview(app, `/validate/${c.mode}`, loadReview('pod-create'));
    t.equal(reply.statusCode, 200, `${c.mode}: HTTP 200`);
    t.match(reply.headers['content-type'], /^application\/json/);
    const body = reply.json();
    t.equal(body.apiVersion, 'admission.k8s.io/v1');
    t.equal(body.kind, 'AdmissionReview');
    t.equal(body.response.uid, POD_UID);
    t.equal(body.response.allowed, c.allowed, `${c.mode}: allowed`);
    t.equal(body.response.status?.code, c.code, `${c.mode}: status code`);
    if (!c.allowed) t.match(body.response.status.message, /ghcr\.io\/acme\/api:v1\.2/, 'the denial names the image');
    t.equal(Array.isArray(body.response.warnings), c.warnings, `${c.mode}: warnings`);
    t.equal(body.response.auditAnnotations !== undefined, c.annotations, `${c.mode}: audit annotations`);
  }
});

t.test('a v1beta1 review is answered as v1beta1', async (t) => {
  const { app } = buildTestServer();
  t.teardown(() => app.close());
  const review = loadReview('pod-create-v1beta1');
  const reply = await postReview(app, '/validate/enforce', review);
  t.equal(reply.statusCode, 200);
  t.equal(reply.json().apiVersion, 'admission.k8s.io/v1beta1');
  t.equal(reply.json().response.uid, review.request.uid);
  t.equal(reply.json().response.allowed, true);
});

t.test('mutate routes patch Pods', async (t) => {
  for (const path of ['/mutate/annotate', '/mutate/pin', '/mutate/annotate/enforce', '/mutate/pin/warn']) {
    const { app } = buildTestServer();
    t.teardown(() => app.close());
    const reply = await postReview(app, path, loadReview('pod-create'));
    t.equal(reply.statusCode, 200, path);
    const response = reply.json().response;
    t.equal(response.uid, POD_UID);
    t.equal(response.allowed, true);
    t.equal(response.patchType, 'JSONPatch', `${path} carries a patch`);
    const operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    t.ok(Array.isArray(operations) && operations.length > 0);
  }
});

t.test('unknown modes, mutations and methods are 404', async (t) => {
  const { app } = buildTestServer();
  t.teardown(() => app.close());
  for (const [method, url] of [
    ['POST', '/validate/strict'],
    ['POST', '/validate'],
    ['POST', '/mutate/rewrite'],
    ['POST', '/mutate/pin/loose'],
    ['GET', '/validate/enforce'],
    ['GET', '/nothing'],
  ] as const) {
    const reply = await app.inject({
      method,
      url,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST' ? { payload: JSON.stringify(loadReview('pod-create')) } : {}),
    });
    t.equal(reply.statusCode, 404, `${method} ${url}`);
    t.match(reply.json().error, /no route/);
  }
});

t.test('healthz always answers; readyz follows the readiness reasons', async (t) => {
  let reasons: string[] = ['certificates not loaded', 'informer secrets not synced'];
  const { app } = buildTestServer({ readiness: () => reasons });
  t.teardown(() => app.close());
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200);
  t.equal(health.body, 'ok\n');

  const notReady = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(notReady.statusCode, 503);
  t.same(notReady.json(), { ready: false, reasons });

  reasons = [];
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.equal(ready.body, 'ok\n');
});

t.test('metrics reflect the reviews answered', async (t) => {
  const resolver = new ScriptedResolver().on('ghcr.io/acme/api:v1.2', absent());
  const { app } = buildTestServer({ resolver });
  t.teardown(() => app.close());
  await postReview(app, '/validate/enforce', loadReview('pod-create'));
  await postReview(app, '/validate/warn', loadReview('pod-create'));
  await postReview(app, '/validate/audit', loadReview('deployment-create'));
  await postReview(app, '/validate/enforce', '{not json');

  const reply = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(reply.statusCode, 200);
  t.match(reply.headers['content-type'], /^text\/plain/);
  const text = reply.body;
  t.match(text, /pullguard_admission_reviews_total\{mode="enforce",kind="Pod",decision="denied"\} 1/);
  t.match(text, /pullguard_admission_reviews_total\{mode="warn",kind="Pod",decision="warned"\} 1/);
  t.match(text, /pullguard_admission_reviews_total\{mode="audit",kind="Deployment",decision="allowed"\} 1/);
  t.match(text, /pullguard_admission_reviews_total\{mode="enforce",kind="unknown",decision="malformed"\} 1/);
  t.match(text, /pullguard_admission_review_duration_seconds_count\{mode="enforce"\} 2/);
});
