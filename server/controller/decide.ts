/**
 * The stuck-pull decision (DESIGN.md §5): given a Pending Pod as cached, its namespace's policy, the pull attempts
 * counted per container and the settings, say whether to fail it now, look again later, or leave it. Pure: `now`
 * is passed in.
 *
 * Order of the rules:
 * 1. never touch a Pod outside an opted-in namespace, being deleted, not Pending, or with a running container;
 * 2. a Pod that already carries the ImagePullFailed condition but is Pending again (the kubelet wrote its phase back)
 *    is failed again with the same reason (level-triggered);
 * 3. InvalidImageName, ErrImageNeverPull and an admission verdict fail at once;
 * 4. ErrImagePull / ImagePullBackOff: a missing image or a generic failure fails after `imagePullAttempts` (the
 *    namespace may override it); an auth or rate-limit failure (401/403/429/timeouts) also needs
 *    `maxPullFailureSeconds` since the first failure, and is looked at again when that grace ends.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { PodVerdict } from '../admission/verdict.ts';
import type { ContainerAttempts } from './attempts.ts';
import { clipText } from './clip-text.ts';
import type { NamespacePolicy } from './namespace-policy.ts';
import {
  type ContainerView,
  ERR_IMAGE_NEVER_PULL,
  ERR_IMAGE_PULL,
  IMAGE_PULL_BACK_OFF,
  IMAGE_PULL_FAILED_CONDITION,
  INVALID_IMAGE_NAME,
  isDeleting,
  isPending,
  isRunning,
  listContainers,
  waitingReasonOf,
} from './pod-view.ts';
import { readVerdict } from './verdict-annotation.ts';

export type FailureReason =
  | 'ImageNotFound'
  | 'InvalidImageName'
  | 'ImageNeverPull'
  | 'ImagePlatformMissing'
  | 'PullSecretInvalid'
  | 'PullAttemptsExceeded'
  | 'PullFailureTimeout';

export const failureReasons: readonly FailureReason[] = [
  'ImageNotFound',
  'InvalidImageName',
  'ImageNeverPull',
  'ImagePlatformMissing',
  'PullSecretInvalid',
  'PullAttemptsExceeded',
  'PullFailureTimeout',
];

export type NoActionWhy =
  | 'namespace-not-opted-in'
  | 'deleting'
  | 'not-pending'
  | 'container-running'
  | 'no-pull-failure'
  | 'below-threshold';

export interface FailDecision {
  readonly action: 'fail';
  readonly reason: FailureReason;
  /** For the condition and the Event: container, image, attempts and the kubelet's last error. */
  readonly message: string;
  readonly container: string;
  readonly image: string;
  readonly attempts: number;
  /** The first failure seen (ms since the epoch), when known. */
  readonly firstFailureAt: number | undefined;
  /** True when the Pod already carried the condition (the kubelet put it back to Pending). */
  readonly again: boolean;
}

export type Decision =
  | { readonly action: 'none'; readonly why: NoActionWhy }
  | FailDecision
  | { readonly action: 'requeue'; readonly afterMs: number };

export interface DecideSettings {
  readonly imagePullAttempts: number;
  readonly maxPullFailureSeconds: number;
}

export interface DecideInput {
  readonly pod: V1Pod;
  /** undefined: the namespace has not opted in. */
  readonly namespace: NamespacePolicy | undefined;
  /** Per container name, from the attempt tracker. */
  readonly attempts: ReadonlyMap<string, ContainerAttempts>;
  readonly settings: DecideSettings;
  readonly now: number;
}

const messageLimit = 1000;

export function decidePodFailure(input: DecideInput): Decision {
  const { pod } = input;
  if (input.namespace === undefined) return { action: 'none', why: 'namespace-not-opted-in' };
  if (isDeleting(pod)) return { action: 'none', why: 'deleting' };
  if (!isPending(pod)) return { action: 'none', why: 'not-pending' };
  const containers = listContainers(pod);
  if (containers.some(isRunning)) return { action: 'none', why: 'container-running' };

  const again = failAgain(pod, containers);
  if (again) return again;
  const verdict = readVerdict(pod);
  if (verdict) {
    const fromVerdict = failFromVerdict(verdict, containers, input.attempts);
    if (fromVerdict) return fromVerdict;
  }

  let requeueAfter: number | undefined;
  let belowThreshold = false;
  let thresholdFail: FailDecision | undefined;
  for (const view of containers) {
    const reason = waitingReasonOf(view);
    const counted = input.attempts.get(view.name);
    if (reason === INVALID_IMAGE_NAME) return failInvalidName(view, counted);
    if (reason === ERR_IMAGE_NEVER_PULL) return failNeverPull(view, counted);
    if (reason !== ERR_IMAGE_PULL && reason !== IMAGE_PULL_BACK_OFF) continue;
    if (thresholdFail) continue;

    const attempts = Math.max(1, counted?.attempts ?? 0);
    const threshold = input.namespace.imagePullAttempts ?? input.settings.imagePullAttempts;
    if (attempts < threshold) {
      belowThreshold = true;
      continue;
    }
    const failureClass = counted?.failureClass ?? 'generic';
    const firstFailureAt = counted?.firstFailureAt;
    if (failureClass === 'auth-or-rate-limit') {
      const graceMs = input.settings.maxPullFailureSeconds * 1000;
      const elapsedMs = firstFailureAt === undefined ? 0 : input.now - firstFailureAt;
      if (elapsedMs < graceMs) {
        const afterMs = Math.max(1, graceMs - elapsedMs);
        requeueAfter = requeueAfter === undefined ? afterMs : Math.min(requeueAfter, afterMs);
        continue;
      }
    }
    const failReason: FailureReason =
      failureClass === 'not-found'
        ? 'ImageNotFound'
        : failureClass === 'auth-or-rate-limit'
          ? 'PullFailureTimeout'
          : 'PullAttemptsExceeded';
    thresholdFail = {
      action: 'fail',
      reason: failReason,
      message: pullFailureMessage(
        view,
        attempts,
        firstFailureAt,
        counted?.lastError ?? view.status?.state?.waiting?.message,
      ),
      container: view.name,
      image: view.image,
      attempts,
      firstFailureAt,
      again: false,
    };
  }
  if (thresholdFail) return thresholdFail;
  if (requeueAfter !== undefined) return { action: 'requeue', afterMs: requeueAfter };
  return { action: 'none', why: belowThreshold ? 'below-threshold' : 'no-pull-failure' };
}

function imagePullFailedCondition(pod: V1Pod) {
  return pod.status?.conditions?.find(
    (condition) => condition.type === IMAGE_PULL_FAILED_CONDITION && condition.status === 'True',
  );
}

function failAgain(pod: V1Pod, containers: readonly ContainerView[]): FailDecision | undefined {
  const condition = imagePullFailedCondition(pod);
  if (!condition) return undefined;
  const reason = failureReasons.find((known) => known === condition.reason) ?? 'PullAttemptsExceeded';
  const stuck = containers.find((view) => waitingReasonOf(view) !== undefined) ?? containers[0];
  return {
    action: 'fail',
    reason,
    message: condition.message ?? `${reason}: the Pod was failed before and is Pending again`,
    container: stuck?.name ?? '',
    image: stuck?.image ?? '',
    attempts: 0,
    firstFailureAt: undefined,
    again: true,
  };
}

const verdictReasons: Record<PodVerdict['outcome'], FailureReason> = {
  absent: 'ImageNotFound',
  invalid: 'InvalidImageName',
  'platform-missing': 'ImagePlatformMissing',
  'pull-secret-invalid': 'PullSecretInvalid',
};

function failFromVerdict(
  verdict: PodVerdict,
  containers: readonly ContainerView[],
  attempts: ReadonlyMap<string, ContainerAttempts>,
): FailDecision | undefined {
  // A verdict about a container the Pod no longer has (or that already runs) is stale.
  const view =
    verdict.container === '' ? undefined : containers.find((candidate) => candidate.name === verdict.container);
  if (verdict.container !== '' && (!view || isRunning(view))) return undefined;
  const image = verdict.image || view?.image || '';
  const what =
    verdict.outcome === 'pull-secret-invalid'
      ? 'the image pull secrets are unusable'
      : `container "${verdict.container}" image "${image}" ${verdictText[verdict.outcome]}`;
  return {
    action: 'fail',
    reason: verdictReasons[verdict.outcome],
    message: clipText(`${what} (found at admission${verdict.reason ? `: ${verdict.reason}` : ''})`, messageLimit),
    container: verdict.container,
    image,
    attempts: view ? (attempts.get(view.name)?.attempts ?? 0) : 0,
    firstFailureAt: view ? attempts.get(view.name)?.firstFailureAt : undefined,
    again: false,
  };
}

const verdictText: Record<PodVerdict['outcome'], string> = {
  absent: 'does not exist',
  invalid: 'is not a valid image reference',
  'platform-missing': "has no build for the node's platform",
  'pull-secret-invalid': 'cannot be pulled with the given secrets',
};

function failInvalidName(view: ContainerView, counted: ContainerAttempts | undefined): FailDecision {
  const detail = view.status?.state?.waiting?.message;
  return {
    action: 'fail',
    reason: 'InvalidImageName',
    message: clipText(
      `container "${view.name}" image "${view.image}" is not a valid image reference${detail ? `: ${detail}` : ''}`,
      messageLimit,
    ),
    container: view.name,
    image: view.image,
    attempts: counted?.attempts ?? 0,
    firstFailureAt: counted?.firstFailureAt,
    again: false,
  };
}

function failNeverPull(view: ContainerView, counted: ContainerAttempts | undefined): FailDecision {
  return {
    action: 'fail',
    reason: 'ImageNeverPull',
    message: clipText(
      `container "${view.name}" image "${view.image}" is not present on the node and imagePullPolicy is Never`,
      messageLimit,
    ),
    container: view.name,
    image: view.image,
    attempts: counted?.attempts ?? 0,
    firstFailureAt: counted?.firstFailureAt,
    again: false,
  };
}

function pullFailureMessage(
  view: ContainerView,
  attempts: number,
  firstFailureAt: number | undefined,
  lastError: string | undefined,
): string {
  const since = firstFailureAt === undefined ? '' : ` since ${new Date(firstFailureAt).toISOString()}`;
  const pulls = attempts === 1 ? '1 failed pull' : `${attempts} failed pulls`;
  const last = lastError ? `; last error: ${lastError}` : '';
  return clipText(`container "${view.name}" image "${view.image}": ${pulls}${since}${last}`, messageLimit);
}
