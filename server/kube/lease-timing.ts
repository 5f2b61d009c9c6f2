/**
 * Leader election over a coordination.k8s.io/v1 Lease, the timing rules alone (pure; times are milliseconds from
 * the caller's clock). Modelled on client-go's leaderelection: a lease is judged expired by when *we* last saw it
 * change plus its leaseDurationSeconds, never by the renewTime written in it, so clock skew between replicas does not
 * matter; a lease with no holder is free at once; a leader that cannot renew for renewDeadline stops leading.
 */

export interface LeaseRecord {
  /** null or '' when nobody holds the lease (released). */
  readonly holderIdentity: string | null;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: number | undefined;
  readonly renewTime: number | undefined;
  readonly leaseTransitions: number;
}

export interface LeaseTimings {
  /** How long others wait, after last seeing the lease change, before taking it over. */
  readonly leaseDurationSeconds: number;
  /** How long the leader keeps trying to renew before it stops leading. */
  readonly renewDeadlineSeconds: number;
  /** The pause between attempts. */
  readonly retryPeriodSeconds: number;
}

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = {
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
};

/** The last lease content we saw and when (our clock) we first saw it so. */
export interface LeaseObservation {
  readonly record: LeaseRecord;
  readonly observedAt: number;
}

export type LeaseStep =
  | { readonly action: 'create'; readonly record: LeaseRecord }
  | { readonly action: 'update'; readonly record: LeaseRecord; readonly acquiring: boolean }
  | { readonly action: 'wait'; readonly holder: string; readonly expiresAt: number };

/** The same checks as client-go's NewLeaderElector: each stage must leave room for the next. */
export function checkLeaseTimings(timings: LeaseTimings): void {
  const { leaseDurationSeconds: lease, renewDeadlineSeconds: renew, retryPeriodSeconds: retry } = timings;
  for (const [key, value] of Object.entries(timings)) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new RangeError(`${key} must be a positive number of seconds, got ${value}`);
    }
  }
  if (!(lease > renew))
    throw new RangeError(`leaseDurationSeconds (${lease}) must exceed renewDeadlineSeconds (${renew})`);
  if (!(renew > 1.2 * retry)) {
    throw new RangeError(`renewDeadlineSeconds (${renew}) must exceed 1.2 × retryPeriodSeconds (${retry})`);
  }
}

export function isLeaseFree(record: LeaseRecord): boolean {
  return record.holderIdentity === null || record.holderIdentity === '';
}

/** Moves the observation forward when the lease content changed; otherwise keeps when it was first seen. */
export function observeLease(
  previous: LeaseObservation | undefined,
  record: LeaseRecord,
  now: number,
): LeaseObservation {
  if (previous !== undefined && isSameRecord(previous.record, record)) return previous;
  return { record, observedAt: now };
}

/** When the observed lease may be taken over by someone else. */
export function leaseExpiresAt(observation: LeaseObservation): number {
  return observation.observedAt + observation.record.leaseDurationSeconds * 1000;
}

/**
 * What to do after reading the lease (`current` undefined: it does not exist). `observation` must already include
 * `current` (see observeLease).
 */
export function planLeaseStep(input: {
  readonly identity: string;
  readonly timings: LeaseTimings;
  readonly current: LeaseRecord | undefined;
  readonly observation: LeaseObservation | undefined;
  readonly now: number;
}): LeaseStep {
  const { identity, timings, current, observation, now } = input;
  if (current === undefined) {
    return { action: 'create', record: heldRecord(identity, timings, now, now, 0) };
  }
  const isHolder = current.holderIdentity === identity;
  if (!isHolder && !isLeaseFree(current)) {
    const expiresAt = observation === undefined ? now : leaseExpiresAt(observation);
    if (now < expiresAt) return { action: 'wait', holder: current.holderIdentity ?? '', expiresAt };
  }
  if (isHolder) {
    const record = heldRecord(identity, timings, current.acquireTime ?? now, now, current.leaseTransitions);
    return { action: 'update', record, acquiring: false };
  }
  const record = heldRecord(identity, timings, now, now, current.leaseTransitions + 1);
  return { action: 'update', record, acquiring: true };
}

/** True when the leader has gone renewDeadline without a successful renewal and must stop leading. */
export function isRenewDeadlinePassed(lastRenewedAt: number, now: number, timings: LeaseTimings): boolean {
  return now - lastRenewedAt >= timings.renewDeadlineSeconds * 1000;
}

/** How long a leader's next renewal may take before the renew deadline passes (never negative). */
export function renewBudgetMs(lastRenewedAt: number, now: number, timings: LeaseTimings): number {
  return Math.max(0, lastRenewedAt + timings.renewDeadlineSeconds * 1000 - now);
}

/** What a stopping leader writes so that a successor need not wait out the lease (as client-go's ReleaseOnCancel). */
export function releasedRecord(current: LeaseRecord, now: number): LeaseRecord {
  return {
    holderIdentity: null,
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: current.leaseTransitions,
  };
}

function heldRecord(
  identity: string,
  timings: LeaseTimings,
  acquireTime: number,
  renewTime: number,
  leaseTransitions: number,
): LeaseRecord {
  return {
    holderIdentity: identity,
    leaseDurationSeconds: Math.ceil(timings.leaseDurationSeconds),
    acquireTime,
    renewTime,
    leaseTransitions,
  };
}

function isSameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    (a.holderIdentity ?? '') === (b.holderIdentity ?? '') &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}
