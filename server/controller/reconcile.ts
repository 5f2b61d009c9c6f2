/**
 * One reconcile of one Pod key, level-triggered: read the cached Pod, its namespace and its pull Events, count,
 * decide (decide.ts), and act. Acting re-checks the cached state (still Pending, not being deleted, no container
 * running, still waiting on an image: decidePodFailure refuses otherwise) and writes only that exact version of the
 * Pod (resourceVersion precondition): a Pod that changed meanwhile is a conflict and is looked at again.
 *
 * Action `fail`: the status patch (condition + phase Failed); for a Pod bound to a node, also
 * `spec.activeDeadlineSeconds` lowered to the time already elapsed since status.startTime, so the kubelet, which may
 * write `phase: Pending` back over an API-side Failed, fails the Pod itself (DeadlineExceeded); then a Warning Event.
 * `fail-and-delete` also deletes the Pod. `report` only records the Event and the metric, once per Pod.
 */
import type { CoreV1Event, V1Namespace, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { PullguardError } from '../errors.ts';
import type { AttemptTracker } from './attempts.ts';
import { type DecideSettings, decidePodFailure, type FailDecision } from './decide.ts';
import { readNamespacePolicy } from './namespace-policy.ts';
import {
  hasRunningContainer,
  isDeleting,
  isPending,
  isWaitingOnImage,
  listContainers,
  splitPodKey,
  toEpochMs,
} from './pod-view.ts';
import type { PodTarget, PodWriter, WriteResult } from './pod-writer.ts';

export type ControllerAction = 'fail' | 'fail-and-delete' | 'report';

/** What the worker does with the key next: one answer, never a flag plus a delay plus an error. */
export type ReconcileResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeue'; readonly afterMs: number }
  | { readonly kind: 'retry'; readonly error: PullguardError };

export interface ControllerHooks {
  /** A Pod failed (or reported) by reason, with the seconds from its first observed pull failure. */
  onPodFailed(reason: string, secondsSinceFirstFailure: number): void;
  /** Pods in opted-in namespaces currently waiting on an image pull that fails. */
  setStuckPods(count: number): void;
}

export interface ReconcileSettings extends DecideSettings {
  readonly action: ControllerAction;
}

export interface ReconcileDeps {
  readonly getPod: (namespace: string, name: string) => V1Pod | undefined;
  readonly getNamespace: (name: string) => V1Namespace | undefined;
  readonly eventsFor: (namespace: string, name: string) => readonly CoreV1Event[];
  readonly tracker: AttemptTracker;
  readonly writer: PodWriter;
  readonly logger: Logger;
  readonly hooks: ControllerHooks;
  readonly settings: () => ReconcileSettings;
  readonly now: () => number;
}

export interface Reconciler {
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult>;
  /** A Pod left the cache (no longer Pending, or deleted): drop what is remembered about it. */
  forgetPod(key: string, uid: string | undefined): void;
  /** Forget the stuck-Pod count (this replica stopped leading). */
  resetStuck(): void;
}

const done: ReconcileResult = { kind: 'done' };

export function createReconciler(deps: ReconcileDeps): Reconciler {
  const stuck = new Set<string>();
  // Pods already reported (action report) by UID, with the reason: one Event and one count per Pod and reason.
  const reported = new Map<string, string>();

  const setStuck = (key: string, isStuck: boolean) => {
    const before = stuck.size;
    if (isStuck) stuck.add(key);
    else stuck.delete(key);
    if (stuck.size !== before) deps.hooks.setStuckPods(stuck.size);
  };

  return {
    async reconcile(key, signal) {
      const { namespace, name } = splitPodKey(key);
      const pod = deps.getPod(namespace, name);
      if (!pod) {
        setStuck(key, false);
        return done;
      }
      const now = deps.now();
      deps.tracker.observe(pod, now);
      const policy = readNamespacePolicy(deps.getNamespace(namespace));
      setStuck(key, policy !== undefined && isStuckOnImage(pod));
      const settings = deps.settings();
      const decision = decidePodFailure({
        pod,
        namespace: policy,
        attempts: deps.tracker.attemptsOf(pod, deps.eventsFor(namespace, name)),
        settings,
        now,
      });
      if (decision.action === 'none') return done;
      if (decision.action === 'requeue') return { kind: 'requeue', afterMs: decision.afterMs };
      if (signal.aborted || policy === undefined) return done;

      const log = deps.logger.child({ namespace, name, uid: pod.metadata?.uid });
      const target = targetOf(pod);
      // The namespace's mode (enforce/warn/audit) is about admission; the controller acts alike in all of them.
      const action = settings.action;
      const secondsSinceFirstFailure = Math.max(
        0,
        (now - (decision.firstFailureAt ?? toEpochMs(pod.metadata?.creationTimestamp) ?? now)) / 1000,
      );

      if (action === 'report') {
        if (reported.get(target.uid) === decision.reason) return done;
        reported.set(target.uid, decision.reason);
        await recordWarning(deps, log, target, decision);
        deps.hooks.onPodFailed(decision.reason, secondsSinceFirstFailure);
        log.info({ reason: decision.reason, action }, 'pod would be failed (report only)');
        return done;
      }

      let written: WriteResult;
      try {
        written = await deps.writer.failStatus(target, {
          reason: decision.reason,
          message: decision.message,
          transitionAt: decision.again ? undefined : new Date(now),
        });
      } catch (error) {
        return { kind: 'retry', error: asPullguardError(error, `failing Pod ${key}`) };
      }
      if (written.outcome === 'gone') return done;
      if (written.outcome === 'conflict') {
        log.debug('pod changed before the status patch; looking again');
        return { kind: 'retry', error: new PullguardError('KUBE_ERROR', `Pod ${key} changed (conflict)`) };
      }
      setStuck(key, false);
      log.info(
        { reason: decision.reason, container: decision.container, image: decision.image, attempt: decision.attempts },
        decision.again ? 'pod failed again (it was back in Pending)' : 'pod failed',
      );

      // The status patch changed the Pod: the deadline patch is guarded by the version it produced. If the kubelet
      // wrote in between, the patch conflicts and the Pod, back in Pending with the condition, is failed again.
      const failedTarget = { ...target, resourceVersion: written.resourceVersion ?? target.resourceVersion };
      if (pod.spec?.nodeName && !signal.aborted) await lowerDeadline(deps, log, pod, failedTarget, now);
      await recordWarning(deps, log, target, decision);
      // A Pod the kubelet put back in Pending was counted when it was first failed.
      if (!decision.again) deps.hooks.onPodFailed(decision.reason, secondsSinceFirstFailure);
      if (action === 'fail-and-delete' && !signal.aborted) {
        try {
          await deps.writer.deletePod(target);
        } catch (error) {
          return { kind: 'retry', error: asPullguardError(error, `deleting Pod ${key}`) };
        }
      }
      return done;
    },

    forgetPod(key, uid) {
      setStuck(key, false);
      if (uid) {
        deps.tracker.forget(uid);
        reported.delete(uid);
      }
    },

    resetStuck() {
      stuck.clear();
      deps.hooks.setStuckPods(0);
    },
  };
}

/** Waiting on an image pull that fails, with nothing running: what the stuck-Pods gauge counts. */
export function isStuckOnImage(pod: V1Pod): boolean {
  return isPending(pod) && !isDeleting(pod) && !hasRunningContainer(pod) && listContainers(pod).some(isWaitingOnImage);
}

/**
 * The deadline that makes the kubelet fail the Pod now: the whole seconds elapsed since status.startTime (at least
 * 1, the API's minimum), or undefined when the Pod already has a deadline at least that low (it may only be lowered).
 */
export function deadlineToSet(pod: V1Pod, now: number): number | undefined {
  const startedAt = toEpochMs(pod.status?.startTime);
  const elapsed = startedAt === undefined ? 1 : Math.max(1, Math.floor((now - startedAt) / 1000));
  const current = pod.spec?.activeDeadlineSeconds;
  if (current !== undefined && current !== null && current <= elapsed) return undefined;
  return elapsed;
}

async function lowerDeadline(deps: ReconcileDeps, log: Logger, pod: V1Pod, target: PodTarget, now: number) {
  const seconds = deadlineToSet(pod, now);
  if (seconds === undefined) return;
  try {
    const result = await deps.writer.lowerActiveDeadline(target, seconds);
    if (result.outcome === 'written') log.debug({ activeDeadlineSeconds: seconds }, 'lowered activeDeadlineSeconds');
    else log.debug({ outcome: result.outcome }, 'activeDeadlineSeconds not lowered');
  } catch (error) {
    // The status patch stands; if the kubelet puts the Pod back in Pending, the next reconcile tries again.
    log.warn({ err: asPullguardError(error, 'lowering activeDeadlineSeconds') }, 'could not lower the deadline');
  }
}

async function recordWarning(deps: ReconcileDeps, log: Logger, target: PodTarget, decision: FailDecision) {
  try {
    await deps.writer.recordWarning(target, decision.reason, decision.message);
  } catch (error) {
    log.warn({ err: asPullguardError(error, 'recording the Event') }, 'could not record the Warning Event');
  }
}

function targetOf(pod: V1Pod): PodTarget {
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    resourceVersion: pod.metadata?.resourceVersion ?? '',
  };
}

function asPullguardError(error: unknown, what: string): PullguardError {
  if (error instanceof PullguardError) return error;
  return new PullguardError('KUBE_ERROR', `${what} failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}
