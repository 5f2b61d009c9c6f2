import t from 'tap';
import type { PullguardError } from '../../../server/errors.ts';
import { createElector } from '../../../server/kube/lease-lock.ts';
import { FakeClock, MemoryLeaseApi } from './helpers/fake-lease.ts';

/** An elector on the shared fake Lease and clock, recording its leadership changes with their (fake) times. */
function replica(identity: string, api: MemoryLeaseApi, clock: FakeClock) {
  const events: string[] = [];
  const errors: PullguardError[] = [];
  const signals: AbortSignal[] = [];
  const elector = createElector({
    api,
    clock,
    namespace: 'pullguard',
    name: 'controller',
    identity,
    onStartedLeading: (signal) => {
      signals.push(signal);
      events.push(`started@${clock.now()}`);
    },
    onStoppedLeading: () => events.push(`stopped@${clock.now()}`),
    onError: (error) => errors.push(error),
  });
  return { elector, events, errors, signals };
}

const T0 = 1_000_000;

t.test('a lone replica creates the Lease, leads and renews every retry period', async (t) => {
  const api = new MemoryLeaseApi();
  const clock = new FakeClock();
  const a = replica('a', api, clock);
  a.elector.start();
  await clock.advance(0);
  t.same(a.events, [`started@${T0}`]);
  t.equal(a.elector.isLeader(), true);
  t.match(api.stored?.record, { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0, renewTime: T0 });

  await clock.advance(2000);
  t.equal(api.stored?.record.renewTime, T0 + 2000);
  t.equal(api.stored?.record.acquireTime, T0, 'acquireTime kept on renewal');
  await clock.advance(2000);
  t.equal(api.stored?.record.renewTime, T0 + 4000);
  t.same(a.events, [`started@${T0}`], 'leading throughout');
  await a.elector.stop();
});

t.test(
  'two replicas: one leads; when it stops it releases and the other takes over within a retry period',
  async (t) => {
    const api = new MemoryLeaseApi();
    const clock = new FakeClock();
    const a = replica('a', api, clock);
    a.elector.start();
    await clock.advance(0);
    const b = replica('b', api, clock);
    b.elector.start();
    await clock.advance(10_000);
    t.equal(a.elector.isLeader(), true);
    t.equal(b.elector.isLeader(), false);
    t.same(b.events, []);

    await a.elector.stop();
    t.same(a.events, [`started@${T0}`, `stopped@${T0 + 10_000}`]);
    t.equal(a.signals[0]?.aborted, true, 'the leader signal is aborted');
    t.match(api.stored?.record, { holderIdentity: null, leaseDurationSeconds: 1 }, 'released');

    await clock.advance(2000);
    t.equal(b.elector.isLeader(), true);
    t.same(b.events, [`started@${T0 + 12_000}`]);
    t.match(api.stored?.record, { holderIdentity: 'b', leaseTransitions: 1 });
    await b.elector.stop();
    t.same(
      api.writes.map((w) => `${w.by}:${w.holder}`),
      [
        'create:a',
        'replace:a',
        'replace:a',
        'replace:a',
        'replace:a',
        'replace:a',
        'replace:null',
        'replace:b',
        'replace:null',
      ],
    );
  },
);

t.test(
  'a replica that never saw the holder renew takes over after leaseDuration from its own first sight',
  async (t) => {
    const api = new MemoryLeaseApi();
    const clock = new FakeClock();
    // A holder that died long ago (its renewTime is an hour old): we still wait a full leaseDuration.
    api.put({
      holderIdentity: 'ghost',
      leaseDurationSeconds: 15,
      acquireTime: T0 - 3_600_000,
      renewTime: T0 - 3_600_000,
      leaseTransitions: 7,
    });
    const b = replica('b', api, clock);
    b.elector.start();
    await clock.advance(14_000);
    t.equal(b.elector.isLeader(), false);
    await clock.advance(2000);
    t.same(b.events, [`started@${T0 + 16_000}`], 'first attempt at or after T0 + 15 s');
    t.match(api.stored?.record, { holderIdentity: 'b', leaseTransitions: 8 });
    await b.elector.stop();
  },
);

t.test('renewals failing: leadership ends once renewDeadline has passed since the last success', async (t) => {
  const api = new MemoryLeaseApi();
  const clock = new FakeClock();
  const a = replica('a', api, clock);
  a.elector.start();
  await clock.advance(2000); // renewed at T0 + 2 s
  api.failures = { count: 1000, error: new Error('connection refused') };
  await clock.advance(8000); // attempts at +4, +6, +8, +10 fail; the deadline (+12) is not yet reached
  t.equal(a.elector.isLeader(), true);
  await clock.advance(2000);
  t.same(a.events, [`started@${T0}`, `stopped@${T0 + 12_000}`]);
  t.equal(a.signals[0]?.aborted, true);
  t.ok(a.errors.length >= 4);
  t.match(a.errors[0]?.message, /renewing Lease pullguard\/controller failed: connection refused/);

  api.failures.count = 0;
  await clock.advance(2000);
  t.equal(a.elector.isLeader(), true, 'competes again and wins the lease it still holds');
  t.equal(a.signals.length, 2);
  t.equal(a.signals[1]?.aborted, false, 'with a fresh signal');
  await a.elector.stop();
});

t.test('a hung renewal is cut off at the deadline', async (t) => {
  const api = new MemoryLeaseApi();
  const clock = new FakeClock();
  const a = replica('a', api, clock);
  a.elector.start();
  await clock.advance(0); // acquired at T0
  api.hang = true;
  await clock.advance(9_999);
  t.equal(a.elector.isLeader(), true);
  await clock.advance(1);
  t.same(a.events, [`started@${T0}`, `stopped@${T0 + 10_000}`]);
  t.match(a.errors[0]?.message, /renewing Lease pullguard\/controller timed out/);
  await a.elector.stop();
});

t.test('someone else holding the Lease ends leadership at once', async (t) => {
  const api = new MemoryLeaseApi();
  const clock = new FakeClock();
  const a = replica('a', api, clock);
  a.elector.start();
  await clock.advance(0);
  api.put({
    holderIdentity: 'intruder',
    leaseDurationSeconds: 15,
    acquireTime: T0,
    renewTime: T0,
    leaseTransitions: 1,
  });
  await clock.advance(2000);
  t.same(a.events, [`started@${T0}`, `stopped@${T0 + 2000}`]);
  await a.elector.stop();
  t.equal(api.stored?.record.holderIdentity, 'intruder', 'a non-leader does not release');
});

t.test('stop: idempotent; a non-leader writes nothing; callbacks that throw are reported', async (t) => {
  const api = new MemoryLeaseApi();
  const clock = new FakeClock();
  const errors: PullguardError[] = [];
  const elector = createElector({
    api,
    clock,
    namespace: 'pullguard',
    name: 'controller',
    identity: 'a',
    onStartedLeading: async () => {
      throw new Error('controller failed to start');
    },
    onStoppedLeading: () => {
      throw new Error('controller failed to stop');
    },
    onError: (error) => errors.push(error),
  });
  elector.start();
  elector.start();
  await clock.advance(0);
  t.equal(api.writes.length, 1, 'started once');
  await Promise.all([elector.stop(), elector.stop()]);
  t.equal(elector.isLeader(), false);
  t.same(
    errors.map((e) => e.message),
    [
      'leading with Lease pullguard/controller failed: controller failed to start',
      'stopping leading with Lease pullguard/controller failed: controller failed to stop',
    ],
  );
  t.equal(api.stored?.record.holderIdentity, null, 'released despite the callback');

  const idle = new MemoryLeaseApi();
  const never = replica('n', idle, clock);
  await never.elector.stop();
  t.same(idle.writes, []);
  t.throws(
    () =>
      createElector({
        api: idle,
        clock,
        namespace: 'n',
        name: 'l',
        identity: 'x',
        renewDeadlineSeconds: 20,
        onStartedLeading: () => {},
        onStoppedLeading: () => {},
      }),
    RangeError,
  );
});
