import t from 'tap';
import { ReviewDecodeError } from '../../../server/admission/decode-review.ts';
import { DEFAULT_ADMISSION_POLICY } from '../../../server/admission/policy.ts';
import { handleReview } from '../../../server/admission/review-handler.ts';
import { makeHarness } from './helpers/deps.ts';
import { FakeCredentials } from './helpers/fakes.ts';
import { loadReview } from './helpers/fixtures.ts';

const enforce = { kind: 'validate', mode: 'enforce' } as const;
const warn = { kind: 'validate', mode: 'warn' } as const;
const uid = '705ab4f5-6393-11e8-b7cc-42010a800002';

t.test('what is unfinished at the deadline is unreachable, and its signal is aborted', async (t) => {
  const { deps, resolver } = makeHarness({ deadlineMs: 50 });
  resolver.on('nginx', 'hang');
  const answer = await handleReview(loadReview('pod-create'), deps, enforce);
  t.equal(answer.response.allowed, true, 'unreachable: allowed by default');
  t.same(answer.response.warnings, [
    'spec.containers[1].image "nginx" not checked: not resolved within the review deadline (50 ms)',
  ]);
  t.ok(
    resolver.requests.every((request) => request.signal.aborted),
    'every resolve saw the deadline',
  );
  const strict = makeHarness({ deadlineMs: 50, policy: { ...DEFAULT_ADMISSION_POLICY, unreachable: 'deny' } });
  strict.resolver.on('nginx', 'hang');
  const denied = await handleReview(loadReview('pod-create'), strict.deps, enforce);
  t.equal(denied.response.allowed, false);
  t.match(
    denied.response.status?.message,
    /spec\.containers\[1\]\.image "nginx" could not be checked: not resolved within the review deadline/,
  );
});

t.test('credentials that never come are unreachable at the deadline', async (t) => {
  const { deps } = makeHarness({ deadlineMs: 30, credentials: new FakeCredentials('hang') });
  const answer = await handleReview(loadReview('pod-create'), deps, warn);
  t.equal(answer.response.allowed, true);
  t.equal(answer.response.warnings?.length, 4);
  t.match(answer.response.warnings?.[0], /not checked: pull secrets not read within the review deadline \(30 ms\)/);
});

t.test('the caller can abort the review early', async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.fallback = 'hang';
  const controller = new AbortController();
  const pending = handleReview(loadReview('pod-create'), deps, warn, { signal: controller.signal });
  controller.abort();
  const answer = await pending;
  t.equal(answer.response.warnings?.length, 4);
});

t.test('a resolver that throws or answers garbage gives unreachable, not a crash', async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.on('nginx', 'throw');
  // biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed answer.
  resolver.on('ghcr.io/acme/api:v1.2', () => ({ outcome: 'maybe', detail: 5 }) as any);
  const answer = await handleReview(loadReview('pod-create'), deps, warn);
  t.same(answer.response.warnings, [
    'spec.containers[0].image "ghcr.io/acme/api:v1.2" not checked: the resolver gave no usable answer',
    'spec.containers[1].image "nginx" not checked: resolver failed: resolver exploded',
  ]);
});

t.test('a failure after decoding is an errored review with the uid (500), never an exception', async (t) => {
  const credentials = new FakeCredentials();
  credentials.forPod = () => {
    throw new Error('informer not synced');
  };
  const { deps, records } = makeHarness({ credentials });
  const answer = await handleReview(loadReview('pod-create'), deps, enforce);
  t.same(answer, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: false,
      status: { code: 500, message: 'pullguard could not review this request: informer not synced' },
    },
  });
  t.equal(records[0]?.result, 'errored');
  t.ok(records[0]?.error instanceof Error);
});

t.test('an observer that throws changes nothing', async (t) => {
  const { deps } = makeHarness({
    onReview: () => {
      throw new Error('metrics broke');
    },
  });
  t.equal((await handleReview(loadReview('pod-create'), deps, enforce)).response.allowed, true);
});

t.test('a body that does not decode is thrown as ReviewDecodeError for the HTTP layer', async (t) => {
  const { deps, resolver } = makeHarness();
  const noUid = loadReview('pod-create');
  delete noUid.request.uid;
  await t.rejects(handleReview(noUid, deps, enforce), ReviewDecodeError);
  const wrongKind = loadReview('pod-create');
  wrongKind.kind = 'Pod';
  await t.rejects(handleReview(wrongKind, deps, enforce), { uid, message: /kind: must be "AdmissionReview"/ });
  const wrongVersion = loadReview('pod-create');
  wrongVersion.apiVersion = 'v1';
  await t.rejects(handleReview(wrongVersion, deps, enforce), { uid: undefined, message: /apiVersion/ });
  await t.rejects(handleReview('garbage', deps, enforce), ReviewDecodeError);
  t.same(resolver.requests, []);
});

t.test('5,000 containers: refused in enforce without any registry work, warned in warn', async (t) => {
  const { deps, resolver, credentials } = makeHarness();
  const body = loadReview('pod-create');
  body.request.object.spec.containers = Array.from({ length: 5000 }, (_, index) => ({
    name: `c${index}`,
    image: `img-${index}:v1`,
  }));
  const answer = await handleReview(body, deps, enforce);
  t.equal(answer.response.allowed, false);
  t.equal(
    answer.response.status?.message,
    "5002 image fields exceed pullguard's limit of 1000 per review; none was checked",
  );
  t.same(resolver.requests, []);
  t.same(credentials.requests, []);
  const warned = await handleReview(body, deps, warn);
  t.same(warned.response.warnings, ["5002 image fields exceed pullguard's limit of 1000 per review; none was checked"]);
  const mutated = await handleReview(body, deps, { kind: 'mutate', mutation: 'pin' });
  t.same(mutated.response, { uid, allowed: true });
  const raised = makeHarness({ maxImagesPerReview: 10_000 });
  t.equal((await handleReview(body, raised.deps, enforce)).response.allowed, true, 'a higher limit resolves them');
  t.equal(new Set(raised.resolver.images()).size, 5002, '5000 containers, the init container and the image volume');
});

t.test('non-string and missing images are invalid entries, not crashes', async (t) => {
  const { deps } = makeHarness();
  const body = loadReview('pod-create');
  body.request.object.spec.containers = [
    { name: 'a', image: 42 },
    { name: 'b' },
    'junk',
    { name: 'c', image: { $ne: null } },
  ];
  body.request.object.spec.volumes = 'not-a-list';
  body.request.object.spec.initContainers = [null];
  const answer = await handleReview(body, deps, enforce);
  t.equal(answer.response.allowed, false);
  t.equal(
    answer.response.status?.message,
    [
      'spec.containers[0].image is not a valid image reference: image must be a string, not number',
      'spec.containers[1].image is not a valid image reference: image is required',
      'spec.containers[2].image is not a valid image reference: container is not an object (string)',
      'spec.containers[3].image is not a valid image reference: image must be a string, not object',
      'spec.initContainers[0].image is not a valid image reference: container is not an object (null)',
    ].join('; '),
  );
});

t.test('control characters and huge strings are invalid, escaped and cut in the answer', async (t) => {
  const { deps, resolver } = makeHarness();
  const body = loadReview('pod-create');
  body.request.object.spec.containers[0].image = 'nginx\r\nX-Evil: 1';
  body.request.object.spec.containers[1].image = `a${'b'.repeat(1_000_000)}`;
  const answer = await handleReview(body, deps, enforce);
  const message = answer.response.status?.message ?? '';
  t.match(
    message,
    /^spec\.containers\[0\]\.image "nginx\\u000d\\u000aX-Evil: 1" is not a valid image reference: invalid reference format.*; spec\.containers\[1\]/,
  );
  t.match(message, /spec\.containers\[1\]\.image "abbb+\.\.\.b+" is not a valid image reference/);
  t.ok(message.length < 2000, `message length ${message.length}`);
  t.notMatch(message, /[\r\n]/, 'no raw line breaks');
  t.notOk(
    resolver.images().some((image) => image.startsWith('nginx\r')),
    'invalid images are never resolved',
  );
  const warned = await handleReview(body, deps, warn);
  for (const warning of warned.response.warnings ?? []) {
    t.ok(warning.length <= 120, `warning length ${warning.length}`);
    t.match(warning, /^[\x20-\x7e]+$/);
  }
});

t.test(
  'a reference to the metadata address is just passed to the resolver (the registry layer refuses it)',
  async (t) => {
    const { deps, resolver } = makeHarness();
    const body = loadReview('pod-create');
    body.request.object.spec.containers[0].image = '169.254.169.254/latest/meta-data:v1';
    await handleReview(body, deps, enforce);
    t.ok(resolver.images().includes('169.254.169.254/latest/meta-data:v1'));
  },
);
