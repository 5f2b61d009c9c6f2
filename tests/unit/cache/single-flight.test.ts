import t from 'tap';
import { SingleFlight } from '../../../server/cache/single-flight.ts';

/** Lets every pending promise callback run (a macrotask turn, not a sleep). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('concurrent callers of one key share one call', async (t) => {
  const flights = new SingleFlight<string, number>();
  const gate = Promise.withResolvers<number>();
  let calls = 0;
  const fn = () => {
    calls += 1;
    return gate.promise;
  };
  const waiters = [flights.run('k', fn), flights.run('k', fn), flights.run('k', fn)];
  t.equal(calls, 1);
  t.equal(flights.has('k'), true);
  t.equal(flights.inFlight, 1);
  gate.resolve(42);
  t.same(await Promise.all(waiters), [42, 42, 42]);
  t.equal(flights.started, 1);
  t.equal(flights.coalesced, 2);
  t.equal(flights.has('k'), false, 'forgotten once settled');
});

t.test('different keys run separately', async (t) => {
  const flights = new SingleFlight<string, string>();
  const results = await Promise.all([
    flights.run('a', async () => 'A'),
    flights.run('b', async () => 'B'),
    flights.run('a', async () => 'not called'),
  ]);
  t.same(results, ['A', 'B', 'A']);
  t.equal(flights.started, 2);
  t.equal(flights.coalesced, 1);
});

t.test('a call after the flight settled starts a new one', async (t) => {
  const flights = new SingleFlight<string, number>();
  let calls = 0;
  const fn = async () => {
    calls += 1;
    return calls;
  };
  t.equal(await flights.run('k', fn), 1);
  t.equal(await flights.run('k', fn), 2);
  t.equal(flights.coalesced, 0);
});

t.test('the key is gone before any waiter resumes', async (t) => {
  const flights = new SingleFlight<string, number>();
  const seen: boolean[] = [];
  await flights.run('k', async () => 1).then(() => seen.push(flights.has('k')));
  t.same(seen, [false]);
});

t.test('a rejection reaches every waiter, and the key is released', async (t) => {
  const flights = new SingleFlight<string, number>();
  const gate = Promise.withResolvers<number>();
  const a = flights.run('k', () => gate.promise);
  const b = flights.run('k', () => gate.promise);
  gate.reject(new Error('boom'));
  await t.rejects(a, /boom/);
  await t.rejects(b, /boom/);
  t.equal(flights.has('k'), false);
});

t.test('a synchronous throw becomes a rejection', async (t) => {
  const flights = new SingleFlight<string, number>();
  await t.rejects(
    flights.run('k', () => {
      throw new Error('sync');
    }),
    /sync/,
  );
  t.equal(flights.has('k'), false);
});

t.test("a caller's abort releases that caller only", async (t) => {
  const flights = new SingleFlight<string, number>();
  const gate = Promise.withResolvers<number>();
  let calls = 0;
  const fn = () => {
    calls += 1;
    return gate.promise;
  };
  const first = new AbortController();
  const second = new AbortController();
  const a = flights.run('k', fn, { signal: first.signal });
  const b = flights.run('k', fn, { signal: second.signal });
  const c = flights.run('k', fn);
  first.abort(new Error('first gave up'));
  await t.rejects(a, /first gave up/, 'the aborted caller stops waiting at once');
  t.equal(flights.has('k'), true, 'the shared call goes on');
  gate.resolve(7);
  t.equal(await b, 7);
  t.equal(await c, 7);
  t.equal(calls, 1);
});

t.test('a caller whose signal has already aborted still starts (or joins) the shared call', async (t) => {
  const flights = new SingleFlight<string, number>();
  const gate = Promise.withResolvers<number>();
  let calls = 0;
  const fn = () => {
    calls += 1;
    return gate.promise;
  };
  const a = flights.run('k', fn, { signal: AbortSignal.abort(new Error('late')) });
  await t.rejects(a, /late/);
  t.equal(calls, 1, 'the call started for others to share');
  const b = flights.run('k', fn);
  t.equal(calls, 1, 'joined, not restarted');
  gate.resolve(3);
  t.equal(await b, 3);
});

t.test('a rejection after every waiter gave up is not unhandled', async (t) => {
  const flights = new SingleFlight<string, number>();
  const gate = Promise.withResolvers<number>();
  const controller = new AbortController();
  const a = flights.run('k', () => gate.promise, { signal: controller.signal });
  controller.abort(new Error('gone'));
  await t.rejects(a, /gone/);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  gate.reject(new Error('late failure'));
  await settle();
  await settle();
  process.off('unhandledRejection', onUnhandled);
  t.same(unhandled, []);
  t.equal(flights.has('k'), false);
});

t.test('abort listeners are removed once the call settles', async (t) => {
  const flights = new SingleFlight<string, number>();
  const controller = new AbortController();
  let added = 0;
  let removed = 0;
  const signal = controller.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    added += 1;
    add(...args);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    removed += 1;
    remove(...args);
  }) as typeof signal.removeEventListener;
  for (let i = 0; i < 5; i += 1) await flights.run(`k${i}`, async () => i, { signal });
  t.equal(added, 5);
  t.equal(removed, 5, 'one review signal shared by many images does not pile up listeners');
});
