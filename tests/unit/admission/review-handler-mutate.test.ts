import t from 'tap';
import { handleReview } from '../../../server/admission/review-handler.ts';
import { applyJsonPatch } from './helpers/apply-json-patch.ts';
import { makeHarness } from './helpers/deps.ts';
import { absent, DIGEST_A, DIGEST_B, present } from './helpers/fakes.ts';
import { loadReview } from './helpers/fixtures.ts';

const uid = '705ab4f5-6393-11e8-b7cc-42010a800002';

// biome-ignore lint/suspicious/noExplicitAny: the patch is applied to raw JSON.
function decodePatch(patch: string | undefined): any[] {
  return JSON.parse(Buffer.from(patch ?? '', 'base64').toString('utf8'));
}

t.test('annotate: a JSONPatch adding pullguard.dev/resolved to the Pod', async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.on('nginx', present('docker.io', DIGEST_B));
  const body = loadReview('pod-create');
  const answer = await handleReview(body, deps, { kind: 'mutate', mutation: 'annotate' });
  t.equal(answer.response.allowed, true);
  t.equal(answer.response.patchType, 'JSONPatch');
  const pod = applyJsonPatch(body.request.object, decodePatch(answer.response.patch));
  t.same(JSON.parse(pod.metadata.annotations['pullguard.dev/resolved']), {
    api: DIGEST_A,
    proxy: DIGEST_B,
    migrate: DIGEST_A,
    'volume/models': DIGEST_A,
  });
  t.same(pod.spec, body.request.object.spec, 'annotate leaves images alone');
});

t.test('pin: Pod images become image:tag@digest', async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.on('nginx', present('docker.io', DIGEST_B));
  const body = loadReview('pod-create');
  const answer = await handleReview(body, deps, { kind: 'mutate', mutation: 'pin' });
  const pod = applyJsonPatch(body.request.object, decodePatch(answer.response.patch));
  t.same(
    pod.spec.containers.map((container: { image: string }) => container.image),
    [`ghcr.io/acme/api:v1.2@${DIGEST_A}`, `nginx:latest@${DIGEST_B}`],
  );
  t.equal(pod.spec.initContainers[0].image, `ghcr.io/acme/migrate:v3@${DIGEST_A}`);
  t.equal(pod.spec.volumes[1].image.reference, `ghcr.io/acme/models:2024-06@${DIGEST_A}`);
});

t.test('mutation never touches templates or subresources', async (t) => {
  for (const fixture of ['deployment-create', 'cronjob-create', 'podtemplate-create', 'pod-ephemeralcontainers']) {
    const { deps, resolver } = makeHarness();
    const answer = await handleReview(loadReview(fixture), deps, { kind: 'mutate', mutation: 'pin' });
    t.same(answer.response, { uid, allowed: true }, fixture);
    t.same(resolver.requests, [], `${fixture}: nothing resolved`);
  }
});

t.test("a missing image is not the mutating webhook's to deny", async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.fallback = absent('ghcr.io');
  const answer = await handleReview(loadReview('pod-create'), deps, { kind: 'mutate', mutation: 'pin' });
  t.same(answer.response, { uid, allowed: true });
});

t.test('UPDATE of a Pod image: only the new image resolved, the annotation merged', async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.on('ghcr.io/acme/api:v1.3', present('ghcr.io', DIGEST_B));
  const body = loadReview('pod-update-image');
  const answer = await handleReview(body, deps, { kind: 'mutate', mutation: 'pin' });
  t.same(resolver.images(), ['ghcr.io/acme/api:v1.3']);
  const pod = applyJsonPatch(body.request.object, decodePatch(answer.response.patch));
  t.same(JSON.parse(pod.metadata.annotations['pullguard.dev/resolved']), {
    api: DIGEST_B,
    proxy: `sha256:${'b'.repeat(64)}`,
  });
  t.equal(pod.spec.containers[0].image, `ghcr.io/acme/api:v1.3@${DIGEST_B}`);
  t.equal(pod.spec.containers[1].image, 'nginx', 'unchanged images are left alone');
});

t.test('owned Pod in an enforce namespace: the mutating path writes pullguard.dev/verdict', async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.on('nginx', absent('docker.io'));
  const body = loadReview('pod-owned-create');
  const answer = await handleReview(body, deps, { kind: 'mutate', mutation: 'annotate', mode: 'enforce' });
  const pod = applyJsonPatch(body.request.object, decodePatch(answer.response.patch));
  t.same(JSON.parse(pod.metadata.annotations['pullguard.dev/verdict']), {
    outcome: 'absent',
    fieldPath: 'spec.containers[1].image',
    container: 'proxy',
    image: 'nginx',
    reason: 'docker.io answered 404 MANIFEST_UNKNOWN',
  });
  t.ok(pod.metadata.annotations['pullguard.dev/resolved'], 'what was present is still recorded');

  for (const route of [
    { kind: 'mutate', mutation: 'annotate' },
    { kind: 'mutate', mutation: 'annotate', mode: 'warn' },
  ] as const) {
    const other = await handleReview(loadReview('pod-owned-create'), deps, route);
    const patched = applyJsonPatch(body.request.object, decodePatch(other.response.patch));
    t.equal(
      patched.metadata.annotations?.['pullguard.dev/verdict'],
      undefined,
      `no verdict for ${JSON.stringify(route)}`,
    );
  }
  const notOwned = await handleReview(loadReview('pod-create'), deps, {
    kind: 'mutate',
    mutation: 'annotate',
    mode: 'enforce',
  });
  const plain = applyJsonPatch(loadReview('pod-create').request.object, decodePatch(notOwned.response.patch));
  t.equal(plain.metadata.annotations['pullguard.dev/verdict'], undefined, 'a Pod without controller is denied instead');
});
