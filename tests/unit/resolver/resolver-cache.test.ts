import t from 'tap';
import {
  absent,
  credential,
  digestA,
  digestB,
  makeResolver,
  patient,
  present,
  unauthorized,
  unreachable,
  untilCalls,
} from './fixtures.ts';

const minute = 60_000;

t.test('an invalid reference is answered without I/O', async (t) => {
  const { resolver, client } = makeResolver();
  for (const image of ['', 'Nginx', 'nginx:', `nginx@sha256:${'A'.repeat(64)}`]) {
    const resolution = await resolver.resolve({ image, credentials: [], signal: patient });
    t.equal(resolution.outcome, 'invalid', JSON.stringify(image));
    t.equal(resolution.registry, '');
    t.equal(resolution.source, 'parser');
    t.equal(resolution.reference, undefined);
    t.match(resolution.detail, /invalid|must|digest/);
  }
  const format = await resolver.resolve({ image: 'nginx:', credentials: [], signal: patient });
  t.equal(format.detail, 'invalid reference format');
  t.equal(client.calls.length, 0);
  t.same(resolver.stats(), { hits: 0, misses: 0, coalesced: 0, lookups: 0, entries: 0 });
});

t.test('a present answer carries the registry, the digest and a short detail', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () => present('ghcr.io', digestA);
  const resolution = await resolver.resolve({ image: 'ghcr.io/acme/api:v1', credentials: [], signal: patient });
  t.match(resolution, {
    outcome: 'present',
    image: 'ghcr.io/acme/api:v1',
    registry: 'ghcr.io',
    digest: digestA,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    detail: 'ghcr.io answered 200',
    warnings: [],
    source: 'registry',
  });
  t.equal(resolution.reference?.ref, 'ghcr.io/acme/api:v1');
  t.equal(client.calls[0]?.request.wantPlatforms, true, 'always asks for platforms');
  t.same(client.calls[0]?.request.credentials, []);
});

t.test('Docker Hub references are reported as docker.io', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () => absent('registry-1.docker.io');
  const resolution = await resolver.resolve({ image: 'nginx', credentials: [], signal: patient });
  t.equal(resolution.registry, 'docker.io');
  t.equal(resolution.detail, 'registry-1.docker.io answered 404 MANIFEST_UNKNOWN');
  t.equal(client.calls[0]?.request.reference.ref, 'docker.io/library/nginx:latest');
});

t.test('TTL per outcome', async (t) => {
  const cases = [
    { name: 'present by tag', image: 'ghcr.io/a/b:1', lookup: present('ghcr.io', digestA), ttl: 5 * minute },
    {
      name: 'present by digest',
      image: `ghcr.io/a/b@${digestA}`,
      lookup: present('ghcr.io', digestA),
      ttl: 360 * minute,
    },
    {
      name: 'present by tag and digest',
      image: `ghcr.io/a/b:1@${digestA}`,
      lookup: present('ghcr.io', digestA),
      ttl: 360 * minute,
    },
    { name: 'absent', image: 'ghcr.io/a/b:1', lookup: absent('ghcr.io'), ttl: 30_000 },
    { name: 'unauthorized', image: 'ghcr.io/a/b:1', lookup: unauthorized('ghcr.io'), ttl: 30_000 },
  ];
  for (const c of cases) {
    const { resolver, client, advance } = makeResolver();
    client.answer = () => c.lookup;
    const first = await resolver.resolve({ image: c.image, credentials: [], signal: patient });
    t.equal(first.outcome, c.lookup.outcome, c.name);
    t.equal(first.source, 'registry');
    advance(c.ttl - 1);
    const cached = await resolver.resolve({ image: c.image, credentials: [], signal: patient });
    t.equal(cached.source, 'cache', `${c.name}: cached until its ttl`);
    t.equal(cached.outcome, c.lookup.outcome);
    t.equal(cached.detail, first.detail);
    t.equal(client.calls.length, 1);
    advance(1);
    const again = await resolver.resolve({ image: c.image, credentials: [], signal: patient });
    t.equal(again.source, 'registry', `${c.name}: expired at its ttl`);
    t.equal(client.calls.length, 2);
  }
});

t.test('TTLs are configurable', async (t) => {
  const { resolver, client, advance } = makeResolver({ ttl: { tagMs: 1_000, absentMs: 10 } });
  client.answer = (request) => (request.reference.tag === 'missing' ? absent('ghcr.io') : present('ghcr.io', digestA));
  await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  await resolver.resolve({ image: 'ghcr.io/a/b:missing', credentials: [], signal: patient });
  advance(10);
  t.equal(
    (await resolver.resolve({ image: 'ghcr.io/a/b:missing', credentials: [], signal: patient })).source,
    'registry',
  );
  t.equal((await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient })).source, 'cache');
  advance(990);
  t.equal((await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient })).source, 'registry');
});

t.test('unreachable is never cached', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () => unreachable('ghcr.io');
  for (let i = 0; i < 3; i += 1) {
    const resolution = await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
    t.equal(resolution.outcome, 'unreachable');
    t.equal(resolution.source, 'registry');
    t.equal(resolution.detail, 'ghcr.io answered 503');
  }
  t.equal(client.calls.length, 3);
  t.equal(resolver.stats().entries, 0);
});

t.test('a client that throws gives unreachable, uncached', async (t) => {
  const { resolver, client } = makeResolver();
  const resolving = resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  await untilCalls(client, 1);
  client.calls[0]?.reject(new Error('socket hang up'));
  const resolution = await resolving;
  t.equal(resolution.outcome, 'unreachable');
  t.equal(resolution.detail, 'lookup at ghcr.io failed: socket hang up');
  t.equal(resolver.stats().entries, 0);
});

t.test('credential identities, in order, are part of the key', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = (request) =>
    request.credentials.length === 0 ? unauthorized('ghcr.io') : present('ghcr.io', digestA);
  const alice = credential('alice', 'pw1');
  const bob = credential('bob', 'pw2');
  const image = 'ghcr.io/acme/private:1';
  const anonymous = await resolver.resolve({ image, credentials: [], signal: patient });
  t.equal(anonymous.outcome, 'unauthorized');
  const withAlice = await resolver.resolve({ image, credentials: [alice], signal: patient });
  t.equal(withAlice.outcome, 'present', 'an anonymous refusal is not served to a caller with credentials');
  t.equal(withAlice.source, 'registry');
  const aliceAgain = await resolver.resolve({
    image,
    credentials: [credential('alice', 'pw1', 'another-secret')],
    signal: patient,
  });
  t.equal(aliceAgain.source, 'cache', 'the same username and password from another secret share the entry');
  await resolver.resolve({ image, credentials: [alice, bob], signal: patient });
  await resolver.resolve({ image, credentials: [bob, alice], signal: patient });
  t.equal(client.calls.length, 4, 'order matters: [alice, bob] and [bob, alice] are two lookups');
  t.same(client.calls[2]?.request.credentials, [alice, bob]);
  await resolver.resolve({ image, credentials: [credential('alice', 'changed')], signal: patient });
  t.equal(client.calls.length, 5, 'a changed password is another identity');
});

t.test('platforms are not part of the key: one lookup serves every platform question', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () =>
    present('ghcr.io', digestA, [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 's390x' },
    ]);
  const image = 'ghcr.io/acme/api:v1';
  const amd = await resolver.resolve({
    image,
    credentials: [],
    platforms: [{ os: 'linux', architecture: 'amd64' }],
    signal: patient,
  });
  const arm = await resolver.resolve({
    image,
    credentials: [],
    platforms: [{ os: 'linux', architecture: 'arm64' }],
    signal: patient,
  });
  const none = await resolver.resolve({ image, credentials: [], signal: patient });
  t.equal(amd.outcome, 'present');
  t.equal(arm.outcome, 'platform-missing');
  t.equal(arm.source, 'cache');
  t.equal(none.outcome, 'present');
  t.equal(client.calls.length, 1);
});

t.test('two spellings of one reference share an entry', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () => present('registry-1.docker.io', digestA);
  await resolver.resolve({ image: 'nginx', credentials: [], signal: patient });
  const second = await resolver.resolve({ image: 'docker.io/library/nginx:latest', credentials: [], signal: patient });
  t.equal(second.source, 'cache');
  t.equal(second.image, 'docker.io/library/nginx:latest', 'the image is echoed as the caller wrote it');
});

t.test('the least recently used entry is evicted at maxEntries', async (t) => {
  const { resolver, client } = makeResolver({ maxEntries: 2 });
  client.answer = (request) => present('ghcr.io', request.reference.tag === 'a' ? digestA : digestB);
  const resolve = (tag: string) => resolver.resolve({ image: `ghcr.io/x/y:${tag}`, credentials: [], signal: patient });
  await resolve('a');
  await resolve('b');
  t.equal((await resolve('a')).source, 'cache');
  await resolve('c');
  t.equal(resolver.stats().entries, 2);
  t.equal((await resolve('a')).source, 'cache', 'recently used, kept');
  t.equal((await resolve('b')).source, 'registry', 'least recently used, evicted');
});

t.test('stats count hits and misses', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () => present('ghcr.io', digestA);
  await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  await resolver.resolve({ image: 'ghcr.io/a/b:2', credentials: [], signal: patient });
  t.same(resolver.stats(), { hits: 2, misses: 2, coalesced: 0, lookups: 2, entries: 2 });
});

t.test("the reference parser's compatibility warnings are passed on", async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () => present('[::1]:5000', digestA);
  const resolution = await resolver.resolve({ image: '[::1]:5000/app:1', credentials: [], signal: patient });
  t.equal(resolution.outcome, 'present');
  t.match(resolution.warnings, [/IPv6 registry host/]);
});

t.test('peek: the cached answer resolve would give, never a registry request', async (t) => {
  const { resolver, client, advance } = makeResolver({ ttl: { tagMs: 1_000 } });
  client.answer = () => present('ghcr.io', digestA);
  const request = { image: 'ghcr.io/acme/api:v1', credentials: [] };
  t.equal(resolver.peek(request), undefined, 'nothing cached yet');
  t.equal(resolver.peek({ image: 'Nginx', credentials: [] }), undefined, 'an invalid reference is not a cache entry');
  t.equal(client.calls.length, 0, 'peek never asks the registry');

  const resolved = await resolver.resolve({ ...request, signal: patient });
  const peeked = resolver.peek(request);
  t.same(peeked, { ...resolved, source: 'cache' }, 'the same answer, from the cache');
  t.equal(resolver.peek({ ...request, credentials: [credential('ci', 'pw')] }), undefined, 'cached per credentials');
  t.equal(client.calls.length, 1);
  t.equal(resolver.stats().hits, 1, 'a peek that answers counts as a hit');
  advance(1_000);
  t.equal(resolver.peek(request), undefined, 'expired');
});
