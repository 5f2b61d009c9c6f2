import { pino } from 'pino';
import t from 'tap';
import { createEventIndex } from '../../../server/controller/event-index.ts';
import type { ReconcileResult } from '../../../server/controller/reconcile.ts';
import { runWorker } from '../../../server/controller/worker.ts';
import { PullguardError } from '../../../server/errors.ts';
import { createExponentialRateLimiter } from '../../../server/workqueue/rate-limiter.ts';
import { createWorkQueue } from '../../../server/workqueue/work-queue.ts';
import { createFakeTime } from '../../harness/fake-time.ts';
import { makeEvent } from './fixtures.ts';

function setup(results: Record<string, (ReconcileResult | 'throw')[]>, maxRetries = 3) {
  const time = createFakeTime();
  const queue = createWorkQueue({
    clock: time,
    timers: time,
    rateLimiter: createExponentialRateLimiter({ baseDelayMs: 100, maxDelayMs: 10_000 }),
  });
  const calls: string[] = [];
  const dropped: string[] = [];
  const worker = runWorker({
    queue,
    signal: new AbortController().signal,
    maxRetries,
    logger: pino({ level: 'silent' }),
    now: time.now,
    onDropped: (key) => dropped.push(key),
    reconcile: async (key) => {
      calls.push(key);
      const next = results[key]?.shift() ?? { kind: 'done' };
      if (next === 'throw') throw new Error('boom');
      return next;
    },
  });
  /** Lets the worker run everything that is ready. */
  const flush = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { time, queue, calls, dropped, worker, flush };
}

const retry: ReconcileResult = { kind: 'retry', error: new PullguardError('KUBE_ERROR', 'conflict') };

t.test('done forgets the back-off; requeue comes back after its delay', async (t) => {
  const { time, queue, calls, worker, flush } = setup({ a: [{ kind: 'requeue', afterMs: 1_000 }] });
  queue.add('a');
  await flush();
  t.same(calls, ['a']);
  time.advance(999);
  await flush();
  t.same(calls, ['a']);
  time.advance(1);
  await flush();
  t.same(calls, ['a', 'a']);
  t.equal(queue.numRequeues('a'), 0);
  await queue.shutdown();
  await worker;
});

t.test('retry backs off per key, a throw is a retry, and the key is dropped after maxRetries', async (t) => {
  const { time, queue, calls, dropped, worker, flush } = setup({ a: [retry, 'throw', retry, retry, retry] }, 3);
  queue.add('a');
  await flush();
  for (const delay of [100, 200, 400]) {
    time.advance(delay - 1);
    await flush();
    const before = calls.length;
    time.advance(1);
    await flush();
    t.equal(calls.length, before + 1, `retried after ${delay} ms`);
  }
  t.same(dropped, ['a'], 'dropped after 1 + 3 failures');
  time.advance(60_000);
  await flush();
  t.equal(calls.length, 4, 'not retried any more');
  t.equal(queue.numRequeues('a'), 0, 'its back-off forgotten');
  await queue.shutdown();
  await worker;
});

t.test('the worker ends when the queue shuts down', async (t) => {
  const { queue, worker } = setup({});
  await queue.shutdown({ drain: false });
  await worker;
  t.pass('ended');
});

t.test('the event index groups Events by the Pod they are about', async (t) => {
  const index = createEventIndex();
  const one = makeEvent({ reason: 'Failed', message: 'Error: ErrImagePull' });
  const two = makeEvent({ reason: 'BackOff', message: 'Back-off pulling image "x"' });
  index.upsert(one);
  index.upsert(two);
  index.upsert({ ...one, count: 5 });
  index.upsert({ ...one, involvedObject: { kind: 'Node', name: 'n' } });
  t.same(
    index.eventsFor('ns', 'p').map((event) => event.count),
    [5, undefined],
  );
  t.same(index.eventsFor('ns', 'other'), []);
  index.remove(one);
  index.remove(two);
  t.equal(index.size(), 0);
});
