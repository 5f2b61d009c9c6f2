import t from 'tap';
import { ConcurrencyLimiter } from '../../../server/cache/concurrency-limiter.ts';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function makeLimiter(maxInFlight: number) {
  let now = 0;
  const limiter = new ConcurrencyLimiter({ maxInFlight, now: () => now });
  return {
    limiter,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

/** Work items the test finishes by hand; tracks how many run at once. */
function makeWork() {
  const gates: PromiseWithResolvers<string>[] = [];
  const started: number[] = [];
  let running = 0;
  let maxRunning = 0;
  return {
    gates,
    started,
    get maxRunning() {
      return maxRunning;
    },
    get running() {
      return running;
    },
    task(id: number) {
      return async () => {
        started.push(id);
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        const gate = Promise.withResolvers<string>();
        gates[id] = gate;
        try {
          return await gate.promise;
        } finally {
          running -= 1;
        }
      };
    },
  };
}

t.test('never more than maxInFlight per key, FIFO for the rest', async (t) => {
  const { limiter } = makeLimiter(2);
  const work = makeWork();
  const results = [0, 1, 2, 3, 4].map((id) => limiter.run('ghcr.io', work.task(id)));
  await settle();
  t.same(work.started, [0, 1]);
  t.equal(limiter.inFlight('ghcr.io'), 2);
  t.equal(limiter.waiting('ghcr.io'), 3);
  work.gates[1]?.resolve('one');
  await settle();
  t.same(work.started, [0, 1, 2], 'the first waiter goes next');
  work.gates[0]?.resolve('zero');
  await settle();
  t.same(work.started, [0, 1, 2, 3]);
  for (const id of [2, 3]) work.gates[id]?.resolve(String(id));
  await settle();
  work.gates[4]?.resolve('4');
  t.same(
    (await Promise.all(results)).map((result) => (result.status === 'done' ? result.value : result.status)),
    ['zero', 'one', '2', '3', '4'],
  );
  t.equal(work.maxRunning, 2);
  t.equal(limiter.inFlight('ghcr.io'), 0);
  t.equal(limiter.waiting('ghcr.io'), 0);
});

t.test('keys are limited independently', async (t) => {
  const { limiter } = makeLimiter(1);
  const work = makeWork();
  const a = limiter.run('a.example', work.task(0));
  const b = limiter.run('b.example', work.task(1));
  await settle();
  t.same(work.started, [0, 1]);
  work.gates[0]?.resolve('a');
  work.gates[1]?.resolve('b');
  t.same(await Promise.all([a, b]), [
    { status: 'done', value: 'a' },
    { status: 'done', value: 'b' },
  ]);
});

t.test('a rejection frees the slot and propagates', async (t) => {
  const { limiter } = makeLimiter(1);
  const failing = limiter.run('h', async () => {
    throw new Error('nope');
  });
  const next = limiter.run('h', async () => 'ok');
  await t.rejects(failing, /nope/);
  t.same(await next, { status: 'done', value: 'ok' });
  t.equal(limiter.inFlight('h'), 0);
});

t.test('a queued caller whose signal aborts leaves the queue', async (t) => {
  const { limiter } = makeLimiter(1);
  const work = makeWork();
  const first = limiter.run('h', work.task(0));
  const controller = new AbortController();
  const second = limiter.run('h', work.task(1), controller.signal);
  const third = limiter.run('h', work.task(2));
  await settle();
  t.equal(limiter.waiting('h'), 2);
  controller.abort();
  t.same(await second, { status: 'aborted' });
  t.equal(limiter.waiting('h'), 1);
  work.gates[0]?.resolve('0');
  await settle();
  t.same(work.started, [0, 2], 'the aborted caller never ran');
  work.gates[2]?.resolve('2');
  t.same(await first, { status: 'done', value: '0' });
  t.same(await third, { status: 'done', value: '2' });
});

t.test('an already aborted signal gets no slot', async (t) => {
  const { limiter } = makeLimiter(1);
  let ran = false;
  const result = await limiter.run(
    'h',
    async () => {
      ran = true;
    },
    AbortSignal.abort(),
  );
  t.same(result, { status: 'aborted' });
  t.equal(ran, false);
});

t.test('a blocked key fails fast until the block ends', async (t) => {
  const { limiter, advance, now } = makeLimiter(4);
  limiter.block('docker.io', now() + 30_000);
  t.equal(limiter.blockedFor('docker.io'), 30_000);
  let ran = 0;
  const fn = async () => {
    ran += 1;
    return 'ok';
  };
  t.same(await limiter.run('docker.io', fn), { status: 'blocked', retryAfterMs: 30_000 });
  t.same(await limiter.run('quay.io', fn), { status: 'done', value: 'ok' }, 'other keys are unaffected');
  advance(29_999);
  t.same(await limiter.run('docker.io', fn), { status: 'blocked', retryAfterMs: 1 });
  advance(1);
  t.equal(limiter.blockedFor('docker.io'), 0);
  t.same(await limiter.run('docker.io', fn), { status: 'done', value: 'ok' });
  t.equal(ran, 2);
});

t.test('a block never shortens a later one, and unblock lifts it', async (t) => {
  const { limiter } = makeLimiter(1);
  limiter.block('h', 10_000);
  limiter.block('h', 5_000);
  t.equal(limiter.blockedFor('h'), 10_000);
  limiter.unblock('h');
  t.equal(limiter.blockedFor('h'), 0);
});

t.test('blocking a key fails its queued callers too, in-flight calls finish', async (t) => {
  const { limiter, now } = makeLimiter(1);
  const work = makeWork();
  const running = limiter.run('h', work.task(0));
  const queued = [limiter.run('h', work.task(1)), limiter.run('h', work.task(2))];
  await settle();
  limiter.block('h', now() + 5_000);
  t.same(await Promise.all(queued), [
    { status: 'blocked', retryAfterMs: 5_000 },
    { status: 'blocked', retryAfterMs: 5_000 },
  ]);
  t.equal(limiter.waiting('h'), 0);
  work.gates[0]?.resolve('done anyway');
  t.same(await running, { status: 'done', value: 'done anyway' });
  t.same(work.started, [0]);
});

t.test('a slot released twice frees one place only', async (t) => {
  const { limiter } = makeLimiter(1);
  const slot = await limiter.acquire('h');
  if (slot.status !== 'acquired') throw new Error('expected a slot');
  const waiting = limiter.acquire('h');
  slot.release();
  slot.release();
  const second = await waiting;
  t.equal(second.status, 'acquired');
  t.equal(limiter.inFlight('h'), 1);
  const third = limiter.acquire('h');
  await settle();
  t.equal(limiter.waiting('h'), 1, 'the double release did not let a third caller in');
  if (second.status === 'acquired') second.release();
  t.equal((await third).status, 'acquired');
});

t.test('maxInFlight must be a positive integer', async (t) => {
  for (const maxInFlight of [0, -2, 0.5]) {
    t.throws(() => new ConcurrencyLimiter({ maxInFlight, now: () => 0 }), RangeError);
  }
});
