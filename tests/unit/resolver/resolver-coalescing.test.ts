import t from 'tap';
import { digestA, makeResolver, patient, present, settle, unreachable, untilCalls } from './fixtures.ts';

t.test('cold burst: 500 concurrent resolves of 20 images make exactly 20 lookups', async (t) => {
  const { resolver, client } = makeResolver();
  const images = Array.from({ length: 20 }, (_, i) => `ghcr.io/acme/app-${i}:v1`);
  const resolving = Array.from({ length: 500 }, (_, i) =>
    resolver.resolve({ image: images[i % images.length] ?? '', credentials: [], signal: patient }),
  );
  // Answer calls as they arrive: 16 at first (the per-registry limit), then the 4 queued behind them.
  for (let turn = 0; turn < 100 && client.calls.length < 20; turn += 1) {
    await settle();
    for (const call of client.pending()) call.resolve(present('ghcr.io', digestA));
  }
  const resolutions = await Promise.all(resolving);
  t.equal(client.calls.length, 20, 'one lookup per image');
  t.same(new Set(client.refs()).size, 20);
  t.ok(resolutions.every((resolution) => resolution.outcome === 'present'));
  t.equal(resolutions.filter((resolution) => resolution.source === 'registry').length, 20);
  t.equal(resolutions.filter((resolution) => resolution.source === 'coalesced').length, 480);
  t.same(resolver.stats(), { hits: 0, misses: 500, coalesced: 480, lookups: 20, entries: 20 });

  const warm = await Promise.all(images.map((image) => resolver.resolve({ image, credentials: [], signal: patient })));
  t.ok(
    warm.every((resolution) => resolution.source === 'cache'),
    'then every image is cached',
  );
  t.equal(client.calls.length, 20);
});

t.test('a caller whose deadline passes gets unreachable at once; the others still get the answer', async (t) => {
  const { resolver, client } = makeResolver();
  const impatient = new AbortController();
  const image = 'ghcr.io/acme/api:v1';
  const first = resolver.resolve({ image, credentials: [], signal: impatient.signal });
  const second = resolver.resolve({ image, credentials: [], signal: patient });
  await untilCalls(client, 1);
  impatient.abort();
  const gaveUp = await first;
  t.match(gaveUp, { outcome: 'unreachable', detail: "no answer within the review's deadline", registry: 'ghcr.io' });
  t.equal(client.calls[0]?.request.signal.aborted, false, "the shared lookup is not cancelled by one caller's abort");
  t.equal(client.pending().length, 1);
  client.calls[0]?.resolve(present('ghcr.io', digestA));
  const answered = await second;
  t.match(answered, { outcome: 'present', source: 'coalesced', digest: digestA });
  t.equal(
    (await resolver.resolve({ image, credentials: [], signal: patient })).source,
    'cache',
    'the answer was cached even though its first caller had gone',
  );
  t.equal(client.calls.length, 1);
});

t.test('a caller that arrives already aborted still starts the shared lookup for others', async (t) => {
  const { resolver, client } = makeResolver();
  const image = 'ghcr.io/acme/api:v1';
  const late = await resolver.resolve({ image, credentials: [], signal: AbortSignal.abort() });
  t.match(late, { outcome: 'unreachable', detail: "no answer within the review's deadline", source: 'registry' });
  await untilCalls(client, 1);
  const next = resolver.resolve({ image, credentials: [], signal: patient });
  await settle();
  t.equal(client.calls.length, 1, 'the next caller joins it');
  client.calls[0]?.resolve(present('ghcr.io', digestA));
  t.match(await next, { outcome: 'present', source: 'coalesced' });
});

t.test('every caller gone: the lookup still fills the cache', async (t) => {
  const { resolver, client } = makeResolver();
  const controller = new AbortController();
  const image = 'ghcr.io/acme/api:v1';
  const pending = [1, 2, 3].map(() => resolver.resolve({ image, credentials: [], signal: controller.signal }));
  await untilCalls(client, 1);
  controller.abort();
  for (const resolution of await Promise.all(pending)) t.equal(resolution.outcome, 'unreachable');
  client.calls[0]?.resolve(present('ghcr.io', digestA));
  await settle();
  t.equal((await resolver.resolve({ image, credentials: [], signal: patient })).source, 'cache');
});

t.test("the shared lookup's own deadline gives unreachable to all its callers, uncached", async (t) => {
  const { resolver, client, deadlines } = makeResolver({ lookupTimeoutMs: 7_000 });
  const image = 'ghcr.io/acme/api:v1';
  const pending = [1, 2].map(() => resolver.resolve({ image, credentials: [], signal: patient }));
  await untilCalls(client, 1);
  t.equal(deadlines.length, 1);
  deadlines[0]?.abort();
  t.equal(client.calls[0]?.request.signal.aborted, true, 'the client sees its deadline');
  client.calls[0]?.reject(new DOMException('This operation was aborted', 'AbortError'));
  for (const resolution of await Promise.all(pending)) {
    t.match(resolution, { outcome: 'unreachable', detail: 'timed out after 7000 ms' });
  }
  t.equal(resolver.stats().entries, 0);
  const retry = resolver.resolve({ image, credentials: [], signal: patient });
  await untilCalls(client, 2);
  client.calls[1]?.resolve(present('ghcr.io', digestA));
  t.equal((await retry).outcome, 'present', 'the next resolve asks again');
});

t.test('a client that answers unreachable itself on its deadline is passed through', async (t) => {
  const { resolver, client, deadlines } = makeResolver();
  const resolving = resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  await untilCalls(client, 1);
  deadlines[0]?.abort();
  client.calls[0]?.resolve({
    ...unreachable('ghcr.io'),
    answer: { host: 'ghcr.io', codes: [], summary: 'timed out after 8000 ms' },
  });
  t.match(await resolving, { outcome: 'unreachable', detail: 'ghcr.io timed out after 8000 ms' });
});
