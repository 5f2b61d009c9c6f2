import t from 'tap';
import { DEFAULT_MAX_CHECK_INTERVAL_MS, decideRenewal, renewBeforeMs } from '../../../server/certs/expiry.ts';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
const start = new Date('2026-01-01T00:00:00Z');
const after = (ms: number) => new Date(start.getTime() + ms);
const oneYear = { notBefore: start, notAfter: after(365 * DAY) };
const sixDays = { notBefore: start, notAfter: after(6 * DAY) };

t.test('renewal window: the smaller of a third of the lifetime and 30 days', async (t) => {
  t.equal(renewBeforeMs(oneYear), 30 * DAY, 'a year: 30 days');
  t.equal(renewBeforeMs(sixDays), 2 * DAY, 'six days: two days');
  t.equal(renewBeforeMs(oneYear, { renewBeforeMs: 90 * DAY }), 90 * DAY, 'explicit window wins');
  t.equal(renewBeforeMs({ notBefore: start, notAfter: start }), 0, 'zero lifetime');
});

t.test('decision table', async (t) => {
  const cases = [
    { name: 'fresh one-year cert', validity: oneYear, now: after(DAY), renew: false, reason: 'valid' },
    { name: 'just before the window', validity: oneYear, now: after(335 * DAY - 1), renew: false, reason: 'valid' },
    { name: 'window opens', validity: oneYear, now: after(335 * DAY), renew: true, reason: 'renewal-window' },
    { name: 'inside the window', validity: oneYear, now: after(360 * DAY), renew: true, reason: 'renewal-window' },
    { name: 'expiry instant', validity: oneYear, now: after(365 * DAY), renew: true, reason: 'expired' },
    { name: 'long expired', validity: oneYear, now: after(900 * DAY), renew: true, reason: 'expired' },
    { name: 'short cert, fresh', validity: sixDays, now: start, renew: false, reason: 'valid' },
    { name: 'short cert, 3 days in', validity: sixDays, now: after(3 * DAY), renew: false, reason: 'valid' },
    { name: 'short cert, 4 days in', validity: sixDays, now: after(4 * DAY), renew: true, reason: 'renewal-window' },
    { name: 'clock before notBefore', validity: oneYear, now: after(-DAY), renew: false, reason: 'valid' },
  ] as const;
  for (const c of cases) {
    const decision = decideRenewal(c.validity, c.now);
    t.equal(decision.renew, c.renew, `${c.name}: renew`);
    t.equal(decision.reason, c.reason, `${c.name}: reason`);
    if (c.renew) t.equal(decision.nextCheckInMs, 0, `${c.name}: check again at once`);
  }
});

t.test('next check: the window start, capped by the check interval', async (t) => {
  t.equal(decideRenewal(oneYear, after(DAY)).nextCheckInMs, DEFAULT_MAX_CHECK_INTERVAL_MS, 'default cap: an hour');
  t.equal(decideRenewal(oneYear, after(335 * DAY - 10 * 60 * 1000)).nextCheckInMs, 10 * 60 * 1000, 'window sooner');
  const uncapped = decideRenewal(oneYear, after(DAY), { maxCheckIntervalMs: Number.POSITIVE_INFINITY });
  t.equal(uncapped.nextCheckInMs, 2 ** 31 - 1, 'never past what setTimeout can wait');
  t.same(uncapped.renewAt, after(335 * DAY));
  t.equal(decideRenewal(oneYear, after(DAY), { maxCheckIntervalMs: 5 * HOUR }).nextCheckInMs, 5 * HOUR);
});
