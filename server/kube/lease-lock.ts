/**
 * Leader election on a coordination.k8s.io/v1 Lease: every retryPeriod each replica reads the Lease and, when it
 * holds it or may take it over (lease-timing.ts), writes it under the resourceVersion it read. A leader that sees
 * another holder stops leading at once; one whose renewals keep failing stops when renewDeadline has passed since
 * the last success (each attempt is cut off at that deadline, so a hung request cannot stretch it). After losing, a
 * replica keeps competing. On stop the leader stops leading first, then releases the Lease so a successor need not
 * wait out leaseDuration.
 */
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { PullguardError } from '../errors.ts';
import { abortableDelay } from './informer-supervisor.ts';
import { toKubeError } from './kube-error.ts';
import { createKubeLeaseApi, type LeaseApi } from './lease-api.ts';
import {
  checkLeaseTimings,
  DEFAULT_LEASE_TIMINGS,
  isRenewDeadlinePassed,
  type LeaseObservation,
  type LeaseTimings,
  observeLease,
  planLeaseStep,
  releasedRecord,
  renewBudgetMs,
} from './lease-timing.ts';

export interface ElectorClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: ElectorClock = { now: () => Date.now(), sleep: abortableDelay };

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica, e.g. the pod name. */
  readonly identity: string;
  readonly leaseDurationSeconds?: number | undefined;
  readonly renewDeadlineSeconds?: number | undefined;
  readonly retryPeriodSeconds?: number | undefined;
  /** Called on becoming leader; `signal` aborts when leadership ends. May return a promise (its rejection is reported). */
  readonly onStartedLeading: (signal: AbortSignal) => unknown;
  /** Called as soon as leadership ends (lost, or stop()). */
  readonly onStoppedLeading: () => void;
  readonly onError?: ((error: PullguardError) => void) | undefined;
}

export interface LeaderElector {
  /** Starts competing (once); returns at once. */
  start(): void;
  /** Stops competing; a leader stops leading and releases the Lease. Resolves when that is done. */
  stop(): Promise<void>;
  isLeader(): boolean;
}

export function createLeaderElector(
  options: LeaderElectionOptions & { readonly kubeConfig: KubeConfig },
): LeaderElector {
  const api = createKubeLeaseApi(options.kubeConfig.makeApiClient(CoordinationV1Api));
  return createElector({ ...options, api });
}

type AttemptResult = 'held' | 'held-by-other' | 'failed';

const TIMED_OUT: unique symbol = Symbol('timed out');

/** The elector over any LeaseApi and clock (tests give an in-memory Lease and a fake clock). */
export function createElector(
  options: LeaderElectionOptions & { readonly api: LeaseApi; readonly clock?: ElectorClock | undefined },
): LeaderElector {
  const { api, namespace, name, identity } = options;
  const clock = options.clock ?? systemClock;
  const timings: LeaseTimings = {
    leaseDurationSeconds: options.leaseDurationSeconds ?? DEFAULT_LEASE_TIMINGS.leaseDurationSeconds,
    renewDeadlineSeconds: options.renewDeadlineSeconds ?? DEFAULT_LEASE_TIMINGS.renewDeadlineSeconds,
    retryPeriodSeconds: options.retryPeriodSeconds ?? DEFAULT_LEASE_TIMINGS.retryPeriodSeconds,
  };
  checkLeaseTimings(timings);
  const what = `Lease ${namespace}/${name}`;
  const halt = new AbortController();
  let observation: LeaseObservation | undefined;
  let leading: { controller: AbortController; renewedAt: number } | undefined;
  let loop: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const report = (error: unknown, doing: string) => {
    const failure = error instanceof PullguardError ? error : toKubeError(error, `${doing} ${what}`);
    try {
      options.onError?.(failure);
    } catch {
      // A failing error sink must not stop the election.
    }
  };

  /** `work`, or TIMED_OUT once `ms` have passed or the elector is stopped. */
  const withDeadline = async <T>(work: Promise<T>, ms: number, signal: AbortSignal): Promise<T | typeof TIMED_OUT> => {
    const timer = new AbortController();
    const cancel = () => timer.abort();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      const expired = clock.sleep(ms, timer.signal).then((): typeof TIMED_OUT => TIMED_OUT);
      return await Promise.race([work, expired]);
    } finally {
      timer.abort();
      signal.removeEventListener('abort', cancel);
    }
  };

  const tryAcquireOrRenew = async (now: number): Promise<AttemptResult> => {
    const current = await api.read(namespace, name);
    if (current !== undefined) observation = observeLease(observation, current.record, now);
    const step = planLeaseStep({ identity, timings, current: current?.record, observation, now });
    if (step.action === 'wait') return 'held-by-other';
    const written =
      step.action === 'create' || current === undefined
        ? await api.create(namespace, name, step.record)
        : await api.replace(namespace, name, step.record, current.resourceVersion);
    // A conflict: someone wrote since we read. The next read says who holds it now.
    if (written === 'conflict') return 'failed';
    observation = { record: written.record, observedAt: now };
    return 'held';
  };

  const attempt = async (now: number): Promise<AttemptResult> => {
    const budget =
      leading === undefined ? timings.renewDeadlineSeconds * 1000 : renewBudgetMs(leading.renewedAt, now, timings);
    try {
      const result = await withDeadline(tryAcquireOrRenew(now), budget, halt.signal);
      if (result !== TIMED_OUT) return result;
      if (!halt.signal.aborted) {
        report(new PullguardError('KUBE_ERROR', `${leading ? 'renewing' : 'acquiring'} ${what} timed out`), '');
      }
      return 'failed';
    } catch (error) {
      if (!halt.signal.aborted) report(error, leading ? 'renewing' : 'acquiring');
      return 'failed';
    }
  };

  const startLeading = (now: number) => {
    const controller = new AbortController();
    leading = { controller, renewedAt: now };
    try {
      const result = options.onStartedLeading(controller.signal);
      if (result instanceof Promise) result.catch((error: unknown) => report(error, 'leading with'));
    } catch (error) {
      report(error, 'leading with');
    }
  };

  const stopLeading = () => {
    const ended = leading;
    if (ended === undefined) return;
    leading = undefined;
    ended.controller.abort();
    try {
      options.onStoppedLeading();
    } catch (error) {
      report(error, 'stopping leading with');
    }
  };

  const run = async () => {
    while (!halt.signal.aborted) {
      const now = clock.now();
      const result = await attempt(now);
      if (halt.signal.aborted) break;
      if (result === 'held') {
        if (leading === undefined) startLeading(now);
        else leading.renewedAt = now;
      } else if (leading !== undefined) {
        if (result === 'held-by-other' || isRenewDeadlinePassed(leading.renewedAt, clock.now(), timings)) stopLeading();
      }
      await clock.sleep(timings.retryPeriodSeconds * 1000, halt.signal);
    }
  };

  const release = async () => {
    for (let tries = 0; tries < 3; tries++) {
      const current = await api.read(namespace, name);
      if (current === undefined || current.record.holderIdentity !== identity) return;
      const released = releasedRecord(current.record, clock.now());
      if ((await api.replace(namespace, name, released, current.resourceVersion)) !== 'conflict') return;
    }
  };

  return {
    start() {
      if (loop !== undefined || halt.signal.aborted) return;
      loop = run().catch((error: unknown) => report(error, 'electing with'));
    },
    stop() {
      stopping ??= (async () => {
        halt.abort();
        await loop;
        const wasLeading = leading !== undefined;
        stopLeading();
        if (!wasLeading) return;
        try {
          const result = await withDeadline(
            release(),
            timings.renewDeadlineSeconds * 1000,
            new AbortController().signal,
          );
          if (result === TIMED_OUT) report(new PullguardError('KUBE_ERROR', `releasing ${what} timed out`), '');
        } catch (error) {
          report(error, 'releasing');
        }
      })();
      return stopping;
    },
    isLeader: () => leading !== undefined,
  };
}
