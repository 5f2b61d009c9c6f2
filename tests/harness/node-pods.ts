/** Small helpers for tests on the real node: apply objects, read Pods and Events, wait for a Pod to reach a state. */
import { eventually } from './eventually.ts';
import type { TestKube } from './kube.ts';

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; message?: string };
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec: { nodeName?: string; activeDeadlineSeconds?: number; containers: { name: string; image: string }[] };
  status: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: PodCondition[];
    containerStatuses?: { name: string; state?: ContainerState; started?: boolean; imageID?: string }[];
  };
}

export interface KubeEvent {
  reason: string;
  message: string;
  type: string;
  count?: number;
  involvedObject: { kind: string; name: string; uid?: string };
  source?: { component?: string };
  reportingComponent?: string;
}

/** `kubectl apply` of objects given as JavaScript values; throws with kubectl's stderr when it fails. */
export async function applyObjects(kube: TestKube, ...objects: object[]): Promise<void> {
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  const result = await kube.kubectl(['apply', '-f', '-'], { input });
  if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

/** `kubectl get … -o json`, parsed; undefined when kubectl fails (NotFound included). */
export async function getJson<T>(kube: TestKube, args: string[]): Promise<T | undefined> {
  const result = await kube.kubectl(['get', ...args, '-o', 'json']);
  return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
}

export function getPod(kube: TestKube, namespace: string, name: string): Promise<Pod | undefined> {
  return getJson<Pod>(kube, ['pod', '-n', namespace, name]);
}

/** The Pods a Job owns (by the `job-name` label). */
export async function jobPods(kube: TestKube, namespace: string, job: string): Promise<Pod[]> {
  return (await getJson<{ items: Pod[] }>(kube, ['pods', '-n', namespace, '-l', `job-name=${job}`]))?.items ?? [];
}

/** Events about one object (any kind) in a namespace, oldest first. */
export async function eventsFor(kube: TestKube, namespace: string, name: string): Promise<KubeEvent[]> {
  const list = await getJson<{ items: KubeEvent[] }>(kube, [
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.name=${name}`,
  ]);
  return list?.items ?? [];
}

/** Whether pullguard wrote the Event (its `source.component`). */
export function isFromPullguard(event: KubeEvent): boolean {
  return event.source?.component === 'pullguard' || event.reportingComponent === 'pullguard';
}

/** The first container's waiting reason and message, if it is waiting. */
export function waitingState(pod: Pod | undefined): { reason?: string; message?: string } | undefined {
  return pod?.status.containerStatuses?.[0]?.state?.waiting;
}

/** Polls a Pod until `predicate` holds; the error names the Pod's last status. */
export async function waitForPod(
  kube: TestKube,
  namespace: string,
  name: string,
  predicate: (pod: Pod) => boolean,
  options: { timeoutMs?: number; description: string },
): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await eventually(
      async () => {
        last = await getPod(kube, namespace, name);
        return last && predicate(last) ? last : undefined;
      },
      { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 250, description: options.description },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last status: ${JSON.stringify(last?.status ?? null)}`);
  }
}

/** A Pod running one busybox container with `command`, optionally with extra spec fields. */
export function podManifest(
  namespace: string,
  name: string,
  image: string,
  options: { command?: string[]; spec?: Record<string, unknown>; annotations?: Record<string, string> } = {},
): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: {
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      containers: [{ name: 'main', image, command: options.command ?? ['sleep', '3600'] }],
      ...options.spec,
    },
  };
}
