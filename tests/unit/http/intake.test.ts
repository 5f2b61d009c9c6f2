import t, { type Test } from 'tap';
import { ADMISSION_BODY_LIMIT_BYTES } from '../../../server/http/intake.ts';
import { loadReview } from '../admission/helpers/fixtures.ts';
import { buildTestServer, postReview } from './helpers/test-server.ts';

const POD_UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

/** Every refusal is still shaped as an AdmissionReview. */
function assertReviewShaped(
  t: Test,
  reply: { statusCode: number; json(): unknown },
  expected: { status: number; uid: string; message: RegExp; apiVersion?: string },
): void {
  t.equal(reply.statusCode, expected.status, 'HTTP status');
  // biome-ignore lint/suspicious/noExplicitAny: a raw JSON answer
  const body = reply.json() as any;
  t.equal(body.kind, 'AdmissionReview');
  t.equal(body.apiVersion, expected.apiVersion ?? 'admission.k8s.io/v1');
  t.equal(body.response.uid, expected.uid, 'uid');
  t.equal(body.response.allowed, false);
  t.equal(body.response.status.code, expected.status, 'status.code');
  t.match(body.response.status.message, expected.message);
  t.notMatch(JSON.stringify(body), /at .*\.ts:\d+/, 'no stack trace');
}

t.test('bodies that are not JSON get a 400 review with a clear message', async (t) => {
  const { app } = buildTestServer();
  t.teardown(() => app.close());
  const cases: [string, string, RegExp][] = [
    ['truncated', '{"apiVersion": "admission.k8s.io/v1", "kind": ', /not valid JSON \(it ends too early\)/],
    ['garbage', '{not json}', /not valid JSON/],
    ['empty', '', /body is empty/],
    ['whitespace', '   \n', /body is empty/],
    ['proto key', '{"__proto__": {"polluted": true}, "kind": "AdmissionReview"}', /"__proto__" key/],
  ];
  for (const [name, payload, message] of cases) {
    const reply = await postReview(app, '/validate/enforce', payload);
    t.test(name, async (t) => assertReviewShaped(t, reply, { status: 400, uid: '', message }));
  }
  t.notOk(Object.hasOwn(Object.prototype, 'polluted'), 'no prototype pollution');
});

t.test('invalid JSON never echoes the body in the message', async (t) => {
  const { app } = buildTestServer();
  t.teardown(() => app.close());
  const reply = await postReview(app, '/validate/enforce', '{"password": s3cr3t-value}');
  t.equal(reply.statusCode, 400);
  t.notMatch(reply.body, /s3cr3t/);
});

t.test('other media types get 415, with the uid when the body still reads as JSON', async (t) => {
  const { app } = buildTestServer();
  t.teardown(() => app.close());
  const review = JSON.stringify(loadReview('pod-create'));
  for (const [contentType, uid] of [
    ['text/plain', POD_UID],
    ['application/yaml', POD_UID],
    ['application/x-www-form-urlencoded', POD_UID],
    ['application/json-patch+json', POD_UID],
  ] as const) {
    const reply = await postReview(app, '/validate/enforce', review, { 'content-type': contentType });
    t.test(contentType, async (t) =>
      assertReviewShaped(t, reply, { status: 415, uid, message: /expected an AdmissionReview as application\/json/ }),
    );
  }
  const yaml = await postReview(app, '/validate/warn', 'kind: AdmissionReview\n', { 'content-type': 'text/yaml' });
  t.test('not JSON either', async (t) => assertReviewShaped(t, yaml, { status: 415, uid: '', message: /text\/yaml/ }));

  const charset = await postReview(app, '/validate/enforce', review, {
    'content-type': 'application/json; charset=utf-8',
  });
  t.equal(charset.statusCode, 200, 'a charset parameter is fine');
});

t.test('a request without a body or Content-Type is refused, not crashed on', async (t) => {
  const { app } = buildTestServer();
  t.teardown(() => app.close());
  const reply = await app.inject({ method: 'POST', url: '/validate/enforce' });
  assertReviewShaped(t, reply, { status: 400, uid: '', message: /body is empty/ });
  const bare = await app.inject({ method: 'POST', url: '/validate/enforce', payload: Buffer.from('{}') });
  t.ok([400, 415].includes(bare.statusCode), `no Content-Type: ${bare.statusCode}`);
  t.equal(bare.json().kind, 'AdmissionReview');
});

t.test('a body over the cap gets 413 before it is parsed', async (t) => {
  t.equal(ADMISSION_BODY_LIMIT_BYTES, 7 * 1024 * 1024, 'the cap is 7 MiB');
  const { app, resolver } = buildTestServer();
  t.teardown(() => app.close());
  const review = loadReview('pod-create');
  review.request.object.metadata.annotations = { filler: 'x'.repeat(ADMISSION_BODY_LIMIT_BYTES) };
  const reply = await postReview(app, '/validate/enforce', review);
  assertReviewShaped(t, reply, { status: 413, uid: '', message: /larger than 7 MiB/ });
  t.equal(resolver.requests.length, 0, 'nothing was resolved');

  // Just under the cap is fine.
  review.request.object.metadata.annotations = { filler: 'x'.repeat(ADMISSION_BODY_LIMIT_BYTES - 10_000) };
  const under = await postReview(app, '/validate/enforce', review);
  t.equal(under.statusCode, 200);
  t.equal(under.json().response.uid, POD_UID);
});

t.test('reviews that do not decode get 400 reviews naming the field', async (t) => {
  const { app } = buildTestServer();
  t.teardown(() => app.close());
  const cases: [string, (review: ReturnType<typeof loadReview>) => unknown, string, RegExp, string?][] = [
    ['missing uid', (r) => delete r.request.uid, '', /request\.uid/],
    ['uid with control characters', (r) => (r.request.uid = 'a\u0000b'), '', /request\.uid/],
    ['wrong kind', (r) => (r.kind = 'Pod'), POD_UID, /kind: must be "AdmissionReview"/],
    ['unknown apiVersion', (r) => (r.apiVersion = 'admission.k8s.io/v2'), '', /apiVersion: must be one of/],
    ['no request', (r) => delete r.request, '', /request: must be an object/],
    ['object not an object', (r) => (r.request.object = 'Pod'), POD_UID, /request\.object/],
    ['operation unknown', (r) => (r.request.operation = 'PATCH'), POD_UID, /request\.operation/],
    [
      'v1beta1 keeps its version',
      (r) => (r.request.operation = 'PATCH'),
      'b1e1a2c3-6393-11e8-b7cc-42010a800002',
      /request\.operation/,
      'admission.k8s.io/v1beta1',
    ],
  ];
  for (const [name, change, uid, message, apiVersion] of cases) {
    const review = loadReview(apiVersion === undefined ? 'pod-create' : 'pod-create-v1beta1');
    change(review);
    const reply = await postReview(app, '/validate/enforce', review);
    const expectedUid = apiVersion === undefined ? uid : review.request.uid;
    t.test(name, async (t) =>
      assertReviewShaped(t, reply, { status: 400, uid: expectedUid, message, ...(apiVersion ? { apiVersion } : {}) }),
    );
  }
  const array = await postReview(app, '/validate/enforce', '[1,2,3]');
  t.test('a JSON array', async (t) => assertReviewShaped(t, array, { status: 400, uid: '', message: /JSON object/ }));
});

t.test('hostile objects are answered, never crashed on', async (t) => {
  const { app, resolver } = buildTestServer();
  t.teardown(() => app.close());

  t.test('5,000 containers', async (t) => {
    const review = loadReview('pod-create');
    review.request.object.spec.containers = Array.from({ length: 5000 }, (_, i) => ({
      name: `c${i}`,
      image: `ghcr.io/acme/app-${i}:v1`,
    }));
    const before = resolver.requests.length;
    const reply = await postReview(app, '/validate/enforce', review);
    t.equal(reply.statusCode, 200);
    const response = reply.json().response;
    t.equal(response.uid, POD_UID);
    t.equal(response.allowed, false, 'more images than maxImagesPerReview are denied in enforce');
    t.match(response.status.message, /5003|5,003|1000|1,000/);
    t.equal(resolver.requests.length, before, 'none of them was resolved one by one');
  });

  t.test('non-string images', async (t) => {
    for (const image of [42, null, { name: 'x' }, ['nginx'], true]) {
      const review = loadReview('pod-create');
      review.request.object.spec.containers[0].image = image;
      const reply = await postReview(app, '/validate/enforce', review);
      t.equal(reply.statusCode, 200, `image ${JSON.stringify(image)}`);
      t.equal(reply.json().response.uid, POD_UID);
      t.type(reply.json().response.allowed, 'boolean');
    }
  });

  t.test('control characters in an image', async (t) => {
    const review = loadReview('pod-create');
    review.request.object.spec.containers[0].image = 'ghcr.io/acme/api\u0000:v1\u001b[31m\nnext';
    const reply = await postReview(app, '/validate/enforce', review);
    t.equal(reply.statusCode, 200);
    const response = reply.json().response;
    t.equal(response.allowed, false, 'an invalid reference is denied in enforce');
    const controls = [...String(response.status.message)].filter((char) => char.charCodeAt(0) < 0x20);
    t.same(controls, [], 'no raw control characters in the message');
  });

  t.test('containers that are not a list', async (t) => {
    const review = loadReview('pod-create');
    review.request.object.spec.containers = { 0: { image: 'nginx' } };
    const reply = await postReview(app, '/validate/enforce', review);
    t.ok([200, 400].includes(reply.statusCode), `answered ${reply.statusCode}`);
    t.equal(reply.json().kind, 'AdmissionReview');
  });
});
