/**
 * Small readers over client-node's Pod and Event objects, shared by the pure parts of the controller. Timestamps
 * arrive as Date objects from client-node's deserializer, or as RFC 3339 strings from anything else: accept both.
 */
import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** The kubelet's waiting reasons that mean "this container has no image to run". */
export const ERR_IMAGE_PULL = 'ErrImagePull';
export const IMAGE_PULL_BACK_OFF = 'ImagePullBackOff';
export const INVALID_IMAGE_NAME = 'InvalidImageName';
export const ERR_IMAGE_NEVER_PULL = 'ErrImageNeverPull';

const imageWaitingReasons = new Set([ERR_IMAGE_PULL, IMAGE_PULL_BACK_OFF, INVALID_IMAGE_NAME, ERR_IMAGE_NEVER_PULL]);

/** The condition pullguard sets on a Pod it fails (a Job's podFailurePolicy matches on its type). */
export const IMAGE_PULL_FAILED_CONDITION = 'ImagePullFailed';

export interface ContainerView {
  readonly name: string;
  /** The image the spec names ('' when missing). */
  readonly image: string;
  readonly init: boolean;
  readonly status: V1ContainerStatus | undefined;
}

/** Init containers first (they block the rest), then app containers; each with its status when the kubelet wrote one. */
export function listContainers(pod: V1Pod): ContainerView[] {
  const views: ContainerView[] = [];
  const add = (
    specs: readonly { name: string; image?: string | undefined }[] | undefined,
    statuses: readonly V1ContainerStatus[] | undefined,
    init: boolean,
  ) => {
    for (const spec of specs ?? []) {
      const status = statuses?.find((candidate) => candidate.name === spec.name);
      views.push({ name: spec.name, image: spec.image ?? '', init, status });
    }
  };
  add(pod.spec?.initContainers, pod.status?.initContainerStatuses, true);
  add(pod.spec?.containers, pod.status?.containerStatuses, false);
  return views;
}

export function waitingReasonOf(view: ContainerView): string | undefined {
  return view.status?.state?.waiting?.reason;
}

export function isWaitingOnImage(view: ContainerView): boolean {
  return imageWaitingReasons.has(waitingReasonOf(view) ?? '');
}

export function isRunning(view: ContainerView): boolean {
  return view.status?.state?.running !== undefined && view.status.state.running !== null;
}

export function hasRunningContainer(pod: V1Pod): boolean {
  return listContainers(pod).some(isRunning);
}

export function isPending(pod: V1Pod): boolean {
  return pod.status?.phase === 'Pending';
}

export function isDeleting(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function splitPodKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Milliseconds since the epoch, or undefined for a missing or unreadable time. */
export function toEpochMs(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The container an Event is about, from `involvedObject.fieldPath` (`spec.containers{name}` and the like). */
export function eventContainerName(event: CoreV1Event): string | undefined {
  const match = /^spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]+)\}$/.exec(
    event.involvedObject?.fieldPath ?? '',
  );
  return match?.[1];
}

/** When an Event last happened: its series' last observation, lastTimestamp, eventTime or firstTimestamp. */
export function eventLastSeenMs(event: CoreV1Event): number | undefined {
  return (
    toEpochMs(event.series?.lastObservedTime) ??
    toEpochMs(event.lastTimestamp) ??
    toEpochMs(event.eventTime) ??
    toEpochMs(event.firstTimestamp)
  );
}

/** When an Event first happened. */
export function eventFirstSeenMs(event: CoreV1Event): number | undefined {
  return toEpochMs(event.firstTimestamp) ?? toEpochMs(event.eventTime) ?? toEpochMs(event.lastTimestamp);
}

/** How many times the Event happened: `count` (core/v1 aggregation) or `series.count` (events.k8s.io), at least 1. */
export function eventOccurrences(event: CoreV1Event): number {
  return Math.max(1, event.count ?? 0, event.series?.count ?? 0);
}
