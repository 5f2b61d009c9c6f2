import t from 'tap';
import { digestA, makeResolver, patient, present, settle, unreachable, untilCalls } from './fixtures.ts';

t.test('Retry-After blocks further lookups to that host until it passes', async (t) => {
  const { resolver, client, advance } = makeResolver();
  client.answer = (request) =>
    request.reference.path === 'acme/first' ? unreachable('ghcr.io', 30_000) : present('ghcr.io', digestA);
  const limited = await resolver.resolve({ image: 'ghcr.io/acme/first:1', credentials: [], signal: patient });
  t.match(limited, { outcome: 'unreachable', detail: 'ghcr.io answered 429 TOOMANYREQUESTS' });

  const blocked = await resolver.resolve({ image: 'ghcr.io/acme/second:1', credentials: [], signal: patient });
  t.match(blocked, {
    outcome: 'unreachable',
    detail: 'rate limited by ghcr.io, retry after 30 s',
    registry: 'ghcr.io',
  });
  t.equal(client.calls.length, 1, 'the registry was not contacted');

  const other = await resolver.resolve({ image: 'quay.io/acme/second:1', credentials: [], signal: patient });
  t.equal(other.outcome, 'present', 'other hosts are not blocked');
  t.equal(client.calls.length, 2);

  advance(29_500);
  const stillBlocked = await resolver.resolve({ image: 'ghcr.io/acme/second:1', credentials: [], signal: patient });
  t.equal(stillBlocked.detail, 'rate limited by ghcr.io, retry after 1 s', 'rounded up to whole seconds');
  t.equal(resolver.stats().entries, 1, 'blocked answers are not cached');

  advance(500);
  const after = await resolver.resolve({ image: 'ghcr.io/acme/second:1', credentials: [], signal: patient });
  t.equal(after.outcome, 'present');
  t.equal(client.calls.length, 3);
});

t.test('Retry-After is capped', async (t) => {
  const { resolver, client, advance } = makeResolver({ maxRetryAfterMs: 60_000 });
  client.answer = () => unreachable('ghcr.io', 24 * 3_600_000);
  await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  const blocked = await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  t.equal(blocked.detail, 'rate limited by ghcr.io, retry after 60 s');
  advance(60_000);
  await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  t.equal(client.calls.length, 2);
});

t.test('Retry-After on a present answer (a mirror was limited, another host answered) blocks nothing', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () => ({ ...present('ghcr.io', digestA), retryAfterMs: 30_000 });
  await resolver.resolve({ image: 'ghcr.io/a/b:1', credentials: [], signal: patient });
  const next = await resolver.resolve({ image: 'ghcr.io/a/c:1', credentials: [], signal: patient });
  t.equal(next.outcome, 'present');
  t.equal(client.calls.length, 2);
});

t.test('lookups queued behind a rate-limited answer fail fast too', async (t) => {
  const { resolver, client } = makeResolver({ maxConcurrentPerRegistry: 1 });
  const first = resolver.resolve({ image: 'ghcr.io/a/one:1', credentials: [], signal: patient });
  await untilCalls(client, 1);
  const queued = resolver.resolve({ image: 'ghcr.io/a/two:1', credentials: [], signal: patient });
  await settle();
  client.calls[0]?.resolve(unreachable('ghcr.io', 10_000));
  t.equal((await first).outcome, 'unreachable');
  t.match(await queued, { outcome: 'unreachable', detail: 'rate limited by ghcr.io, retry after 10 s' });
  t.equal(client.calls.length, 1);
});

t.test('the per-registry concurrency limit is honoured', async (t) => {
  const { resolver, client } = makeResolver({ maxConcurrentPerRegistry: 4 });
  const resolving = [
    ...Array.from({ length: 12 }, (_, i) => `ghcr.io/acme/app-${i}:v1`),
    ...Array.from({ length: 3 }, (_, i) => `quay.io/acme/app-${i}:v1`),
  ].map((image) => resolver.resolve({ image, credentials: [], signal: patient }));
  await untilCalls(client, 7);
  await settle();
  const hosts = client.pending().map((call) => call.request.reference.domain);
  t.equal(hosts.filter((host) => host === 'ghcr.io').length, 4, 'four ghcr.io lookups in flight');
  t.equal(hosts.filter((host) => host === 'quay.io').length, 3, 'quay.io has its own limit');
  let observedGhcr = 0;
  for (let turn = 0; turn < 100 && client.calls.length < 15; turn += 1) {
    const inFlight = client.pending().filter((call) => call.request.reference.domain === 'ghcr.io').length;
    observedGhcr = Math.max(observedGhcr, inFlight);
    // Finish one call at a time, so a queued lookup takes each freed slot.
    client.pending()[0]?.resolve(present('x', digestA));
    await settle();
  }
  for (const call of client.pending()) call.resolve(present('x', digestA));
  const resolutions = await Promise.all(resolving);
  t.equal(observedGhcr, 4);
  t.equal(client.calls.length, 15);
  t.ok(resolutions.every((resolution) => resolution.outcome === 'present'));
});

t.test('the default limit is 16 per registry', async (t) => {
  const { resolver, client } = makeResolver();
  const resolving = Array.from({ length: 40 }, (_, i) =>
    resolver.resolve({ image: `ghcr.io/acme/app-${i}:v1`, credentials: [], signal: patient }),
  );
  await untilCalls(client, 16);
  await settle();
  t.equal(client.pending().length, 16);
  for (let turn = 0; turn < 100 && client.calls.length < 40; turn += 1) {
    for (const call of client.pending()) call.resolve(present('ghcr.io', digestA));
    await settle();
  }
  for (const call of client.pending()) call.resolve(present('ghcr.io', digestA));
  await Promise.all(resolving);
  t.equal(client.maxInFlight, 16);
  t.equal(client.calls.length, 40);
});

t.test('a lookup whose deadline passes while queued for a slot is unreachable', async (t) => {
  const { resolver, client, deadlines } = makeResolver({ maxConcurrentPerRegistry: 1, lookupTimeoutMs: 5_000 });
  const first = resolver.resolve({ image: 'ghcr.io/a/one:1', credentials: [], signal: patient });
  const second = resolver.resolve({ image: 'ghcr.io/a/two:1', credentials: [], signal: patient });
  await untilCalls(client, 1);
  await settle();
  t.equal(deadlines.length, 2);
  deadlines[1]?.abort();
  t.match(await second, {
    outcome: 'unreachable',
    detail: 'timed out after 5000 ms waiting behind other lookups to ghcr.io',
  });
  client.calls[0]?.resolve(present('ghcr.io', digestA));
  t.equal((await first).outcome, 'present');
  t.equal(client.calls.length, 1, 'the timed-out lookup never reached the registry');
});
