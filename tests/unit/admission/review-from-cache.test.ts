/**
 * The cache-only path of a review: when the pull secrets read synchronously and every image has a cached answer,
 * the review is answered without `resolve` (no deadline timer, no await per image), and exactly as the full path
 * would answer it; anything less falls back to the full path.
 */
import t from 'tap';
import { handleReview } from '../../../server/admission/review-handler.ts';
import { makeHarness } from './helpers/deps.ts';
import { absent, CachingFakeResolver, FakeCredentials, FakeResolver, outcomeOf } from './helpers/fakes.ts';
import { loadReview } from './helpers/fixtures.ts';

const enforce = { kind: 'validate', mode: 'enforce' } as const;
const warn = { kind: 'validate', mode: 'warn' } as const;
const IMAGES = ['ghcr.io/acme/api:v1.2', 'ghcr.io/acme/migrate:v3', 'ghcr.io/acme/models:2024-06', 'nginx'];

function scripted<R extends FakeResolver>(resolver: R): R {
  return resolver
    .on('ghcr.io/acme/api:v1.2', absent('ghcr.io'))
    .on('nginx', outcomeOf('unauthorized', 'docker.io', 'docker.io answered 401 UNAUTHORIZED'));
}

for (const route of [enforce, warn]) {
  t.test(`${route.mode}: every image cached: answered without resolve, as the full path answers`, async (t) => {
    const plain = scripted(new FakeResolver());
    const full = makeHarness({ resolver: plain });
    const expected = await handleReview(loadReview('pod-create'), full.deps, route);
    t.equal(plain.requests.length, 4, 'without peek, every image is resolved');

    const caching = scripted(new CachingFakeResolver()).cache(...IMAGES);
    const cached = makeHarness({ resolver: caching });
    const answer = await handleReview(loadReview('pod-create'), cached.deps, route);
    t.same(answer, expected, 'the same AdmissionReview');
    t.same(cached.records[0]?.findings, full.records[0]?.findings, 'the same findings');
    t.same(caching.requests, [], 'resolve was never called');
    t.same(caching.peeks.map((peek) => peek.image).sort(), [...IMAGES].sort());
    const api = caching.peeks.find((peek) => peek.image === 'ghcr.io/acme/api:v1.2');
    t.same(api?.credentials, ['regcred@ghcr.io/acme/api'], 'peek gets the keyring matches, as resolve does');
    t.same(api?.platforms, [{ os: 'linux', architecture: 'arm64' }], 'and the candidate platforms');
  });
}

t.test('one image not cached: the full path resolves them', async (t) => {
  const caching = scripted(new CachingFakeResolver()).cache(...IMAGES.slice(1));
  const { deps } = makeHarness({ resolver: caching });
  const answer = await handleReview(loadReview('pod-create'), deps, enforce);
  t.equal(answer.response.allowed, false);
  t.match(answer.response.status?.message, /ghcr\.io\/acme\/api:v1\.2" not found/);
  t.ok(
    caching.requests.some((request) => request.image === 'ghcr.io/acme/api:v1.2'),
    'the uncached image was resolved',
  );
});

t.test('a peek that throws is a miss, not an error', async (t) => {
  const caching = new CachingFakeResolver().on('nginx', 'throw').cache(...IMAGES);
  const { deps, records } = makeHarness({ resolver: caching });
  await handleReview(loadReview('pod-create'), deps, enforce);
  t.not(records[0]?.result, 'errored', 'the review is answered');
  t.ok(caching.requests.length > 0, 'the full path ran');
  t.match(
    records[0]?.findings.find((finding) => finding.fieldPath === 'spec.containers[1].image'),
    { outcome: 'unreachable' },
    'resolve threw too: that image is unreachable, as without a cache',
  );
});

t.test('pull secrets that read asynchronously take the full path, under the deadline', async (t) => {
  const caching = new CachingFakeResolver().cache(...IMAGES);
  const { deps, records } = makeHarness({
    resolver: caching,
    credentials: new FakeCredentials('hang'),
    deadlineMs: 30,
  });
  await handleReview(loadReview('pod-create'), deps, warn);
  t.same(caching.peeks, [], 'no peek without a keyring');
  t.ok(
    records[0]?.findings.every((finding) => finding.outcome === 'unreachable'),
    'the deadline still applies',
  );
});
