import t from 'tap';
import { loadReview } from '../admission/helpers/fixtures.ts';
import { absent, credentialsWithPassword, ScriptedResolver } from './helpers/fakes.ts';
import { buildTestServer, postReview } from './helpers/test-server.ts';

const POD_UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const PASSWORD = 'pw-Do-Not-Log-4711';
const BEARER = 'eyJhbGciOiJSUzI1NiJ9.bearer-Do-Not-Log';

t.test('one line per review that has something to say, naming the review', async (t) => {
  const resolver = new ScriptedResolver().on('ghcr.io/acme/api:v1.2', absent());
  const { app, log } = buildTestServer({ resolver });
  t.teardown(() => app.close());
  await postReview(app, '/validate/enforce', loadReview('pod-create'));
  await postReview(app, '/validate/audit', loadReview('deployment-create'));

  const reviews = log.lines().filter((line) => line.msg === 'admission review');
  t.equal(reviews.length, 2, 'exactly one line per review');
  const [pod, deployment] = reviews;
  t.match(pod, {
    level: 'info',
    uid: POD_UID,
    kind: 'Pod',
    namespace: 'team-a',
    name: 'api',
    operation: 'CREATE',
    mode: 'enforce',
    decision: 'denied',
    images: 4,
  });
  t.type(pod?.durationMs, 'number');
  t.type(pod?.reqId, 'string', "fastify's request id is kept");
  t.match(pod?.findings, [{ fieldPath: 'spec.containers[0].image', outcome: 'absent', registry: 'ghcr.io' }]);
  t.match(deployment, { kind: 'Deployment', mode: 'audit', decision: 'allowed' });
  t.match(deployment?.findings, [{ fieldPath: 'spec.template.spec.containers[0].image', outcome: 'absent' }]);
  t.notOk(
    log.lines().some((line) => 'object' in line || 'request' in line),
    'the reviewed object is never logged',
  );
});

t.test('a clean allow is logged at debug, not at info', async (t) => {
  const pod = loadReview('pod-create');
  for (const level of ['info', 'debug'] as const) {
    const { app, log } = buildTestServer({ logLevel: level });
    t.teardown(() => app.close());
    const reply = await postReview(app, '/validate/enforce', pod);
    t.equal(reply.json().response.allowed, true, 'every image is present: allowed');
    const reviews = log.lines().filter((line) => line.msg === 'admission review');
    if (level === 'info') t.same(reviews, [], 'at info: no line');
    else t.match(reviews, [{ level: 'debug', uid: POD_UID, decision: 'allowed', images: 4 }], 'at debug: one line');
  }
});

t.test('no credential reaches the log lines', async (t) => {
  // Every pull secret yields a credential holding PASSWORD; the resolver sees them, and one review errors.
  const resolver = new ScriptedResolver()
    .on('ghcr.io/acme/api:v1.2', (request) => {
      t.equal(request.credentials[0]?.password, PASSWORD, 'the resolver did get the credential');
      return absent();
    })
    .on('nginx', 'throw');
  const { app, log } = buildTestServer({ resolver, credentials: credentialsWithPassword(PASSWORD) });
  t.teardown(() => app.close());
  const headers = { authorization: `Bearer ${BEARER}` };
  for (const path of ['/validate/enforce', '/validate/warn', '/mutate/pin']) {
    await postReview(app, path, loadReview('pod-create'), headers);
  }
  await postReview(app, '/validate/enforce', '{"password": "broken', headers);
  await postReview(app, '/validate/enforce', JSON.stringify(loadReview('pod-create')), {
    ...headers,
    'content-type': 'text/plain',
  });

  const text = log.text();
  const lines = log.lines();
  t.ok(lines.length >= 5, `${lines.length} lines written`);
  t.notOk(text.includes(PASSWORD), 'no password');
  t.notOk(text.includes(BEARER), 'no bearer token');
  t.notOk(text.includes(Buffer.from(`robot:${PASSWORD}`).toString('base64')), 'no encoded auth');
  for (const line of lines) {
    t.notOk(JSON.stringify(line).includes(PASSWORD), `line "${line.msg}" is clean`);
  }
});
