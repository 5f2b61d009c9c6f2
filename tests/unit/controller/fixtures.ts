/** Builders for the Pods, Events and Namespaces the controller's unit tables use. */
import type { CoreV1Event, V1ContainerState, V1Namespace, V1Pod } from '@kubernetes/client-node';

export const podUid = 'uid-1';

export interface ContainerSpec {
  name?: string;
  image?: string;
  state?: V1ContainerState | undefined;
  init?: boolean;
}

export function waiting(reason: string, message?: string): V1ContainerState {
  return { waiting: message === undefined ? { reason } : { reason, message } };
}

export const running: V1ContainerState = { running: { startedAt: new Date('2025-01-01T00:00:00Z') } };

export function makePod(
  options: {
    containers?: ContainerSpec[];
    phase?: string;
    annotations?: Record<string, string>;
    deleting?: boolean;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    nodeName?: string;
    uid?: string;
  } = {},
): V1Pod {
  const containers = options.containers ?? [{ state: waiting('ErrImagePull', 'rpc error: code = NotFound desc = x') }];
  const spec = (init: boolean) =>
    containers
      .filter((c) => (c.init ?? false) === init)
      .map((c) => ({ name: c.name ?? 'app', image: c.image ?? 'registry.example/app:v1' }));
  const statuses = (init: boolean) =>
    containers
      .filter((c) => (c.init ?? false) === init && c.state !== undefined)
      .map((c) => ({
        name: c.name ?? 'app',
        image: c.image ?? 'registry.example/app:v1',
        imageID: '',
        ready: false,
        restartCount: 0,
        ...(c.state === undefined ? {} : { state: c.state }),
      }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: options.uid ?? podUid,
      resourceVersion: '1',
      ...(options.annotations ? { annotations: options.annotations } : {}),
      ...(options.deleting ? { deletionTimestamp: new Date('2025-01-01T00:00:00Z') } : {}),
    },
    spec: {
      containers: spec(false),
      ...(spec(true).length > 0 ? { initContainers: spec(true) } : {}),
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
    },
    status: {
      phase: options.phase ?? 'Pending',
      containerStatuses: statuses(false),
      ...(statuses(true).length > 0 ? { initContainerStatuses: statuses(true) } : {}),
      ...(options.conditions ? { conditions: options.conditions } : {}),
    },
  };
}

let eventSeq = 0;

export function makeEvent(options: {
  reason: string;
  message: string;
  count?: number;
  seriesCount?: number;
  container?: string | null;
  uid?: string;
  first?: string;
  last?: string;
}): CoreV1Event {
  eventSeq += 1;
  const container = options.container === undefined ? 'app' : options.container;
  return {
    metadata: { name: `p.${eventSeq}`, namespace: 'ns' },
    involvedObject: {
      kind: 'Pod',
      namespace: 'ns',
      name: 'p',
      uid: options.uid ?? podUid,
      ...(container === null ? {} : { fieldPath: `spec.containers{${container}}` }),
    },
    reason: options.reason,
    message: options.message,
    type: options.reason === 'BackOff' ? 'Normal' : 'Warning',
    ...(options.count === undefined ? {} : { count: options.count }),
    ...(options.seriesCount === undefined ? {} : { series: { count: options.seriesCount } }),
    ...(options.first ? { firstTimestamp: new Date(options.first) } : {}),
    ...(options.last ? { lastTimestamp: new Date(options.last) } : {}),
  };
}

export function pullFailed(
  image: string,
  error: string,
  count: number,
  extra: Partial<Parameters<typeof makeEvent>[0]> = {},
) {
  return makeEvent({ reason: 'Failed', message: `Failed to pull image "${image}": ${error}`, count, ...extra });
}

export function makeNamespace(
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): V1Namespace {
  return { metadata: { name: 'ns', labels, annotations } };
}
