/**
 * What the stuck-pull controller keeps of each cached Pod and pull Event: the fields its readers use, nothing else.
 * A Pod as the apiserver sends it is ~7 KB (managedFields, env, resources, volumes, labels, tolerations …); 50,000
 * of them held whole cost most of the controller's memory. Pure: the input is never modified, and values are
 * copied by reference, so a Date from client-node's typed list stays a Date and an RFC 3339 string from a watch
 * stays a string (the readers take both).
 *
 * Readers (keep this list in step with them):
 * - controller/pod-view.ts: spec.containers/initContainers name + image, status.containerStatuses /
 *   initContainerStatuses (name, state.waiting reason + message, state.running), status.phase,
 *   metadata.deletionTimestamp;
 * - controller/attempts.ts: metadata.uid, the container views above; Events: reason, message, count, series,
 *   timestamps, involvedObject uid + fieldPath;
 * - controller/decide.ts: status.conditions (type, status, reason, message), the verdict annotation
 *   (verdict-annotation.ts);
 * - controller/reconcile.ts: metadata namespace, name, uid, resourceVersion, creationTimestamp, spec.nodeName,
 *   spec.activeDeadlineSeconds, status.startTime;
 * - controller/controller.ts, event-index.ts: metadata namespace + name, involvedObject kind/name/namespace;
 * - client-node's ListWatch: metadata namespace, name, resourceVersion.
 */
import type {
  CoreV1Event,
  V1Container,
  V1ContainerStatus,
  V1ObjectMeta,
  V1Pod,
  V1PodCondition,
  V1PodSpec,
  V1PodStatus,
} from '@kubernetes/client-node';

export interface SlimPodOptions {
  /** Annotations some reader needs (e.g. the admission verdict); every other annotation is dropped. */
  readonly keepAnnotations?: readonly string[] | undefined;
}

const podMetadataFields = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
] as const satisfies readonly (keyof V1ObjectMeta)[];

export function slimPod(pod: V1Pod, options: SlimPodOptions = {}): V1Pod {
  const slim: V1Pod = {};
  if (pod.apiVersion !== undefined) slim.apiVersion = pod.apiVersion;
  if (pod.kind !== undefined) slim.kind = pod.kind;
  if (pod.metadata) {
    const metadata: V1ObjectMeta = pick(pod.metadata, podMetadataFields);
    const annotations = pickAnnotations(pod.metadata.annotations, options.keepAnnotations ?? []);
    if (annotations) metadata.annotations = annotations;
    slim.metadata = metadata;
  }
  if (pod.spec) slim.spec = slimSpec(pod.spec);
  if (pod.status) slim.status = slimStatus(pod.status);
  return slim;
}

function slimSpec(spec: V1PodSpec): V1PodSpec {
  const slim: V1PodSpec = {
    ...pick(spec, ['nodeName', 'activeDeadlineSeconds']),
    containers: (spec.containers ?? []).map(slimContainer),
  };
  if (spec.initContainers) slim.initContainers = spec.initContainers.map(slimContainer);
  return slim;
}

function slimContainer(container: V1Container): V1Container {
  return pick(container, ['name', 'image']) as V1Container;
}

function slimStatus(status: V1PodStatus): V1PodStatus {
  const slim: V1PodStatus = pick(status, ['phase', 'startTime']);
  if (status.conditions) slim.conditions = status.conditions.map(slimCondition);
  if (status.containerStatuses) slim.containerStatuses = status.containerStatuses.map(slimContainerStatus);
  if (status.initContainerStatuses) {
    slim.initContainerStatuses = status.initContainerStatuses.map(slimContainerStatus);
  }
  return slim;
}

function slimCondition(condition: V1PodCondition): V1PodCondition {
  return pick(condition, ['type', 'status', 'reason', 'message']) as V1PodCondition;
}

function slimContainerStatus(status: V1ContainerStatus): V1ContainerStatus {
  // `state` is small (one of waiting / running / terminated) and read whole; lastState, resources, mounts … go.
  return pick(status, ['name', 'image', 'imageID', 'ready', 'restartCount', 'started', 'state']) as V1ContainerStatus;
}

const eventFields = [
  'apiVersion',
  'kind',
  'reason',
  'message',
  'type',
  'count',
  'series',
  'firstTimestamp',
  'lastTimestamp',
  'eventTime',
] as const satisfies readonly (keyof CoreV1Event)[];

/** A pull Event as the controller reads it (event-index.ts, attempts.ts). */
export function slimEvent(event: CoreV1Event): CoreV1Event {
  const involved = event.involvedObject ?? {};
  return {
    ...pick(event, eventFields),
    metadata: pick(event.metadata ?? {}, ['name', 'namespace', 'uid', 'resourceVersion']),
    involvedObject: pick(involved, ['kind', 'name', 'namespace', 'uid', 'fieldPath']),
  };
}

function pickAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  keep: readonly string[],
): Record<string, string> | undefined {
  if (!annotations) return undefined;
  let kept: Record<string, string> | undefined;
  for (const key of keep) {
    const value = annotations[key];
    if (value === undefined) continue;
    kept ??= {};
    kept[key] = value;
  }
  return kept;
}

/** The fields of `source` among `keys` that are present (neither undefined nor null), by reference. */
function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined && value !== null) picked[key] = value;
  }
  return picked;
}
