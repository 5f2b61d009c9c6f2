/**
 * When to renew a certificate and when to look again. Pure: the clock is an argument.
 *
 * Default window: renew once less than min(1/3 of the validity, 30 days) remains. Taking the smaller of the two
 * means a freshly issued certificate is never already due, whatever its lifetime (a 7-day certificate renews with
 * ~2.3 days left instead of at once, which would renew it again on every check).
 */
export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export interface RenewalPolicy {
  /** Renew once less than this remains; overrides the default window. */
  renewBeforeMs?: number | undefined;
  /** Look again at least this often even when renewal is far off (another replica may have renewed). */
  maxCheckIntervalMs?: number | undefined;
}

export type RenewalReason = 'valid' | 'renewal-window' | 'expired';

export interface RenewalDecision {
  renew: boolean;
  reason: RenewalReason;
  /** The moment the certificate enters its renewal window. */
  renewAt: Date;
  /** Delay until the next check: 0 when renewing now, never more than maxCheckIntervalMs nor a timer's limit. */
  nextCheckInMs: number;
}

export const DEFAULT_RENEW_BEFORE_MAX_MS = 30 * 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_CHECK_INTERVAL_MS = 60 * 60 * 1000;
/** setTimeout's largest delay; longer ones fire at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export function renewBeforeMs(validity: Validity, policy: RenewalPolicy = {}): number {
  if (policy.renewBeforeMs !== undefined) return Math.max(0, policy.renewBeforeMs);
  const lifetime = Math.max(0, validity.notAfter.getTime() - validity.notBefore.getTime());
  return Math.min(lifetime / 3, DEFAULT_RENEW_BEFORE_MAX_MS);
}

export function decideRenewal(validity: Validity, now: Date, policy: RenewalPolicy = {}): RenewalDecision {
  const renewAt = new Date(validity.notAfter.getTime() - renewBeforeMs(validity, policy));
  const nowMs = now.getTime();
  if (nowMs >= validity.notAfter.getTime()) return { renew: true, reason: 'expired', renewAt, nextCheckInMs: 0 };
  if (nowMs >= renewAt.getTime()) return { renew: true, reason: 'renewal-window', renewAt, nextCheckInMs: 0 };
  const maxInterval = policy.maxCheckIntervalMs ?? DEFAULT_MAX_CHECK_INTERVAL_MS;
  const nextCheckInMs = Math.min(renewAt.getTime() - nowMs, maxInterval, MAX_TIMER_DELAY_MS);
  return { renew: false, reason: 'valid', renewAt, nextCheckInMs };
}
