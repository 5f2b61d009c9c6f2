import t from 'tap';
import { createExponentialRateLimiter } from '../../../server/workqueue/rate-limiter.ts';
import { createWorkQueue } from '../../../server/workqueue/work-queue.ts';
import { createFakeTime } from '../../harness/fake-time.ts';

function setup(baseDelayMs = 100, maxDelayMs = 1_000) {
  const time = createFakeTime();
  const queue = createWorkQueue({
    clock: time,
    timers: time,
    rateLimiter: createExponentialRateLimiter({ baseDelayMs, maxDelayMs }),
  });
  return { time, queue };
}

/** Takes every key that is ready now, without waiting. */
async function drainReady(queue: ReturnType<typeof createWorkQueue>): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    keys.push(key);
  }
  return keys;
}

t.test('a key added many times while waiting is handed out once, in first-added order', async (t) => {
  const { queue } = setup();
  for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) queue.add(key);
  t.equal(queue.len(), 3);
  t.same(await drainReady(queue), ['a', 'b', 'c']);
  t.equal(queue.processingLen(), 3);
});

t.test('a key re-added while processing waits for done, then runs again once', async (t) => {
  const { queue } = setup();
  queue.add('a');
  t.equal(await queue.get(), 'a');
  queue.add('a');
  queue.add('a');
  t.equal(queue.len(), 0, 'not handed out while processing');
  let second: string | undefined;
  const waiting = queue.get().then((key) => {
    second = key;
  });
  await Promise.resolve();
  t.equal(second, undefined, 'no second reconcile of a key while the first runs');
  queue.done('a');
  await waiting;
  t.equal(second, 'a');
  queue.done('a');
  t.equal(queue.len(), 0);
  t.equal(queue.processingLen(), 0);
});

t.test('done without a re-add leaves nothing queued; done of an unknown key is ignored', async (t) => {
  const { queue } = setup();
  queue.add('a');
  await queue.get();
  queue.done('a');
  queue.done('zzz');
  t.equal(queue.len(), 0);
  t.equal(queue.processingLen(), 0);
});

t.test('a waiting get receives the next added key', async (t) => {
  const { queue } = setup();
  const pending = queue.get();
  queue.add('x');
  t.equal(await pending, 'x');
  t.equal(queue.processingLen(), 1);
});

t.test('addAfter: ready only after the delay; the earliest ready time wins', async (t) => {
  const { time, queue } = setup();
  queue.addAfter('a', 1_000);
  queue.addAfter('b', 500);
  queue.addAfter('a', 200);
  queue.addAfter('a', 5_000);
  t.equal(queue.delayedLen(), 2);
  time.advance(199);
  t.equal(queue.len(), 0);
  time.advance(1);
  t.same(await drainReady(queue), ['a']);
  time.advance(299);
  t.equal(queue.len(), 0);
  time.advance(1);
  t.same(await drainReady(queue), ['b']);
  time.advance(10_000);
  t.equal(queue.len(), 0, 'the superseded later time does not add a again');
  t.equal(time.pending(), 0, 'no timer left armed');
});

t.test('add now supersedes a pending delay; addAfter of a waiting key is a no-op', async (t) => {
  const { time, queue } = setup();
  queue.addAfter('a', 1_000);
  queue.add('a');
  t.equal(queue.delayedLen(), 0);
  t.same(await drainReady(queue), ['a']);
  queue.done('a');
  time.advance(2_000);
  t.equal(queue.len(), 0);

  queue.add('b');
  queue.addAfter('b', 1_000);
  t.equal(queue.delayedLen(), 0);
  t.same(await drainReady(queue), ['b']);
});

t.test('a delayed key that becomes ready while processing runs after done', async (t) => {
  const { time, queue } = setup();
  queue.add('a');
  await queue.get();
  queue.addAfter('a', 100);
  time.advance(100);
  t.equal(queue.len(), 0);
  queue.done('a');
  t.same(await drainReady(queue), ['a']);
});

t.test('addAfter with zero or negative delay adds now', async (t) => {
  const { queue } = setup();
  queue.addAfter('a', 0);
  queue.addAfter('b', -5);
  t.same(await drainReady(queue), ['a', 'b']);
});

t.test('per-key exponential back-off, capped, reset by forget', async (t) => {
  const { time, queue } = setup(100, 1_000);
  const readyAfter = async (key: string): Promise<number> => {
    const start = time.now();
    queue.addRateLimited(key);
    let waited = 0;
    while (queue.len() === 0) {
      time.advance(10);
      waited += 10;
    }
    t.equal(await queue.get(), key);
    queue.done(key);
    t.equal(time.now() - start, waited);
    return waited;
  };
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) delays.push(await readyAfter('a'));
  t.same(delays, [100, 200, 400, 800, 1_000, 1_000]);
  t.equal(queue.numRequeues('a'), 6);
  t.equal(queue.numRequeues('b'), 0, 'back-off is per key');
  t.equal(await readyAfter('b'), 100);
  queue.forget('a');
  t.equal(queue.numRequeues('a'), 0);
  t.equal(await readyAfter('a'), 100);
});

t.test('shutdown drains: ready keys are still handed out, delayed ones dropped, resolves after done', async (t) => {
  const { time, queue } = setup();
  queue.add('a');
  queue.add('b');
  queue.addAfter('c', 100);
  t.equal(await queue.get(), 'a');
  let finished = false;
  const stopped = queue.shutdown().then(() => {
    finished = true;
  });
  queue.add('d');
  queue.add('a');
  t.equal(queue.len(), 1, 'no intake after shutdown');
  t.equal(await queue.get(), 'b');
  t.equal(await queue.get(), undefined, 'empty and shutting down');
  time.advance(1_000);
  t.equal(queue.len(), 0, 'delayed key dropped');
  queue.done('a');
  await Promise.resolve();
  t.notOk(finished, 'b still processing');
  queue.done('b');
  await stopped;
  t.ok(finished);
  t.ok(queue.isShuttingDown());
});

t.test('shutdown without drain drops waiting keys and wakes every waiting get', async (t) => {
  const { queue } = setup();
  queue.add('a');
  t.equal(await queue.get(), 'a');
  queue.add('a');
  queue.add('b');
  const idle = [queue.get(), queue.get()];
  t.equal(await idle[0], 'b');
  const stopped = queue.shutdown({ drain: false });
  t.equal(await idle[1], undefined);
  t.equal(await queue.get(), undefined);
  queue.done('b');
  queue.done('a');
  await stopped;
  t.equal(queue.len(), 0, 'the re-added a was dropped');
  t.equal(queue.processingLen(), 0);
});

t.test('shutdown of an idle queue resolves at once; a second call returns the same promise', async (t) => {
  const { queue } = setup();
  const first = queue.shutdown();
  await first;
  t.equal(queue.shutdown(), first);
});

t.test('a harder second shutdown stops a drain', async (t) => {
  const { queue } = setup();
  queue.add('a');
  queue.add('b');
  const stopped = queue.shutdown();
  queue.shutdown({ drain: false });
  t.equal(await queue.get(), undefined);
  await stopped;
});

t.test('rate limiter rejects nonsense settings', async (t) => {
  t.throws(() => createExponentialRateLimiter({ baseDelayMs: 0, maxDelayMs: 10 }), RangeError);
  t.throws(() => createExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 5 }), RangeError);
});

t.test('many keys with random delays come out in ready-time order', async (t) => {
  const { time, queue } = setup();
  const want: [string, number][] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let i = 0; i < 300; i++) {
    const key = `k${i % 120}`;
    const delay = 1 + Math.floor(random() * 10_000);
    queue.addAfter(key, delay);
    const previous = want.find(([k]) => k === key);
    if (!previous) want.push([key, delay]);
    else previous[1] = Math.min(previous[1], delay);
  }
  const order: string[] = [];
  for (let step = 0; step <= 10_000; step++) {
    time.advance(1);
    for (const key of await drainReady(queue)) {
      order.push(key);
      queue.done(key);
    }
  }
  const byKey = new Map(want);
  const times = order.map((key) => byKey.get(key) ?? -1);
  t.ok(
    times.every((at, index) => index === 0 || at >= (times[index - 1] ?? 0)),
    'ready-time order',
  );
  t.equal(new Set(order).size, 120, 'each key once');
});
