import t from 'tap';
import {
  checkLeaseTimings,
  DEFAULT_LEASE_TIMINGS,
  isRenewDeadlinePassed,
  type LeaseRecord,
  leaseExpiresAt,
  observeLease,
  planLeaseStep,
  releasedRecord,
  renewBudgetMs,
} from '../../../server/kube/lease-timing.ts';

const timings = DEFAULT_LEASE_TIMINGS; // 15 / 10 / 2 s
const T = 1_000_000;
const held = (holder: string | null, renewTime = T, transitions = 3, duration = 15): LeaseRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: duration,
  acquireTime: T - 60_000,
  renewTime,
  leaseTransitions: transitions,
});

t.test('timings must nest: lease > renew deadline > 1.2 × retry', async (t) => {
  t.doesNotThrow(() => checkLeaseTimings(timings));
  t.doesNotThrow(() =>
    checkLeaseTimings({ leaseDurationSeconds: 2, renewDeadlineSeconds: 1.5, retryPeriodSeconds: 0.25 }),
  );
  const bad: [string, Parameters<typeof checkLeaseTimings>[0], RegExp][] = [
    [
      'renew ≥ lease',
      { leaseDurationSeconds: 10, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
      /must exceed renewDeadline/,
    ],
    [
      'retry too long',
      { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 9 },
      /1\.2 × retryPeriod/,
    ],
    ['zero', { leaseDurationSeconds: 0, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 }, /positive/],
    ['NaN', { leaseDurationSeconds: 15, renewDeadlineSeconds: Number.NaN, retryPeriodSeconds: 2 }, /positive/],
  ];
  for (const [what, value, message] of bad)
    t.throws(() => checkLeaseTimings(value), { name: 'RangeError', message }, what);
});

t.test('observation time moves only when the lease content changes', async (t) => {
  const first = observeLease(undefined, held('a'), T);
  t.equal(first.observedAt, T);
  const same = observeLease(first, { ...held('a') }, T + 5000);
  t.equal(same, first, 'an equal record keeps the first observation');
  const renewed = observeLease(first, held('a', T + 2000), T + 5000);
  t.equal(renewed.observedAt, T + 5000);
  t.equal(leaseExpiresAt(renewed), T + 5000 + 15_000, 'expiry counts from our observation, not the renewTime');
  t.equal(observeLease(first, held(''), T + 1).observedAt, T + 1);
  t.equal(observeLease(observeLease(undefined, held(null), T), held(''), T + 1).observedAt, T, "null and '' are one");
});

t.test('planLeaseStep', async (t) => {
  const other = held('b');
  const observedOther = observeLease(undefined, other, T);
  const cases: {
    what: string;
    current: LeaseRecord | undefined;
    observedAt?: number;
    now: number;
    expect: Record<string, unknown>;
  }[] = [
    {
      what: 'no lease: create it',
      current: undefined,
      now: T,
      expect: { action: 'create', record: { holderIdentity: 'a', acquireTime: T, renewTime: T, leaseTransitions: 0 } },
    },
    {
      what: 'held by another, recently seen change: wait',
      current: other,
      now: T + 14_999,
      expect: { action: 'wait', holder: 'b', expiresAt: T + 15_000 },
    },
    {
      what: 'held by another, unchanged for leaseDuration: take over',
      current: other,
      now: T + 15_000,
      expect: {
        action: 'update',
        acquiring: true,
        record: { holderIdentity: 'a', acquireTime: T + 15_000, leaseTransitions: 4 },
      },
    },
    {
      what: 'released (no holder): take over at once',
      current: held(null, T, 3, 1),
      now: T,
      expect: {
        action: 'update',
        acquiring: true,
        record: { holderIdentity: 'a', leaseTransitions: 4, leaseDurationSeconds: 15 },
      },
    },
    {
      what: 'ours: renew, keeping acquireTime and transitions',
      current: held('a'),
      now: T + 2000,
      expect: {
        action: 'update',
        acquiring: false,
        record: { holderIdentity: 'a', acquireTime: T - 60_000, renewTime: T + 2000, leaseTransitions: 3 },
      },
    },
  ];
  for (const c of cases) {
    const observation = c.current === undefined ? undefined : observeLease(undefined, c.current, c.observedAt ?? T);
    const step = planLeaseStep({ identity: 'a', timings, current: c.current, observation, now: c.now });
    t.match(step, c.expect, c.what);
  }
  // A stale lease seen for the first time is not taken over at once: we have not watched it expire.
  const stale = held('b', T - 3_600_000);
  const firstSight = observeLease(undefined, stale, T);
  t.match(planLeaseStep({ identity: 'a', timings, current: stale, observation: firstSight, now: T }), {
    action: 'wait',
  });
  t.equal(observedOther.observedAt, T);
});

t.test('renew deadline and budget', async (t) => {
  const cases: [number, boolean, number][] = [
    [0, false, 10_000],
    [9_999, false, 1],
    [10_000, true, 0],
    [12_000, true, 0],
  ];
  for (const [elapsed, passed, budget] of cases) {
    t.equal(isRenewDeadlinePassed(T, T + elapsed, timings), passed, `${elapsed} ms: passed`);
    t.equal(renewBudgetMs(T, T + elapsed, timings), budget, `${elapsed} ms: budget`);
  }
});

t.test('a released record frees the lease and expires in a second', async (t) => {
  t.same(releasedRecord(held('a'), T + 5), {
    holderIdentity: null,
    leaseDurationSeconds: 1,
    acquireTime: T + 5,
    renewTime: T + 5,
    leaseTransitions: 3,
  });
});
