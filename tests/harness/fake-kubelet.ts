/**
 * Writes to a real apiserver what a kubelet writes while it fails to pull an image, with no kubelet: a Node object,
 * the Pod's binding (pods/binding), its status (pods/status: phase Pending, startTime, containerStatuses waiting
 * ErrImagePull ⇄ ImagePullBackOff), and its Events as the kubelet's recorder sends them: one Event per distinct
 * message whose `count` grows (created once, then patched), all of a Pod's Events stopping after a burst of 25 (the
 * kubelet's spam filter: a token bucket of 25 per source and object, refilled once per 5 minutes).
 *
 * Per failed pull (pkg/kubelet/images/image_manager.go, kuberuntime_container.go): Normal `Pulling`, Warning
 * `Failed` "Failed to pull image …: <error>", Warning `Failed` "Error: ErrImagePull", then status ErrImagePull;
 * per sync during the back-off: Normal `BackOff` "Back-off pulling image …", Warning `Failed` "Error:
 * ImagePullBackOff", then status ImagePullBackOff.
 */
import {
  CoreV1Api,
  type CoreV1Event,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1ContainerState,
  type V1ContainerStatus,
  type V1Pod,
} from '@kubernetes/client-node';

export const SPAM_BURST = 25;

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export interface FakeKubeletOptions {
  readonly kubeconfigPath: string;
  readonly nodeName: string;
}

interface PodRecord {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** Event name by message. */
  readonly events: Map<string, { name: string; count: number }>;
  tokens: number;
  startTime: Date;
  states: Map<string, V1ContainerState>;
  images: Map<string, string>;
}

export interface FakeKubelet {
  readonly core: CoreV1Api;
  readonly nodeName: string;
  /** Creates the Node object once (no kubelet heartbeats it; the test controller manager runs no node lifecycle). */
  ensureNode(): Promise<void>;
  /** Binds an existing Pod to the node and writes its first status (Pending, ContainerCreating). */
  bind(namespace: string, name: string): Promise<V1Pod>;
  /** One failed pull of `container`: its Events and the status ErrImagePull with `error`. */
  failPull(namespace: string, name: string, container: string, error: string): Promise<void>;
  /** One sync during the back-off: its Events and the status ImagePullBackOff. */
  backOff(namespace: string, name: string, container: string): Promise<void>;
  /** failPull then backOff, `times` times. */
  failPulls(namespace: string, name: string, container: string, error: string, times: number): Promise<void>;
  /** Writes a container state as is (e.g. `{ waiting: { reason: 'InvalidImageName' } }` or running). */
  setState(namespace: string, name: string, container: string, state: V1ContainerState, phase?: string): Promise<void>;
  /** What the kubelet does to an API-side Failed Pod it still runs: writes `phase: Pending` back. */
  writePhase(namespace: string, name: string, phase: string): Promise<V1Pod>;
  /** Events the spam filter still lets through for the Pod. */
  tokensLeft(namespace: string, name: string): number;
}

export function createFakeKubelet(options: FakeKubeletOptions): FakeKubelet {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(options.kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const { nodeName } = options;
  const pods = new Map<string, PodRecord>();
  let nodeReady: Promise<void> | undefined;

  const record = (namespace: string, name: string): PodRecord => {
    const found = pods.get(`${namespace}/${name}`);
    if (!found) throw new Error(`fake kubelet: ${namespace}/${name} was not bound through it`);
    return found;
  };

  const emit = async (pod: PodRecord, container: string, type: string, reason: string, message: string) => {
    if (pod.tokens <= 0) return;
    pod.tokens -= 1;
    const now = new Date();
    const known = pod.events.get(`${reason}\u0000${message}`);
    if (known) {
      known.count += 1;
      await core.patchNamespacedEvent(
        { namespace: pod.namespace, name: known.name, body: { count: known.count, lastTimestamp: now.toISOString() } },
        mergePatch,
      );
      return;
    }
    const eventName = `${pod.name}.${(Date.now() * 1_000_000 + pod.events.size).toString(16)}`;
    const body: CoreV1Event = {
      metadata: { name: eventName, namespace: pod.namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: pod.namespace,
        name: pod.name,
        uid: pod.uid,
        fieldPath: `spec.containers{${container}}`,
      },
      type,
      reason,
      message,
      source: { component: 'kubelet', host: nodeName },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: 'kubelet',
      reportingInstance: nodeName,
    };
    await core.createNamespacedEvent({ namespace: pod.namespace, body });
    pod.events.set(`${reason}\u0000${message}`, { name: eventName, count: 1 });
  };

  const writeStatus = async (pod: PodRecord, phase = 'Pending') => {
    const containerStatuses: V1ContainerStatus[] = [...pod.states].map(([name, state]) => ({
      name,
      image: pod.images.get(name) ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state,
    }));
    return core.patchNamespacedPodStatus(
      {
        namespace: pod.namespace,
        name: pod.name,
        body: { status: { phase, startTime: pod.startTime.toISOString(), hostIP: '127.0.0.1', containerStatuses } },
      },
      strategicMerge,
    );
  };

  const imageOf = (pod: PodRecord, container: string) => pod.images.get(container) ?? '';

  const kubelet: FakeKubelet = {
    core,
    nodeName,
    ensureNode() {
      nodeReady ??= core
        .createNode({ body: { metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } } })
        .then(
          () => undefined,
          (error: { code?: number }) => {
            if (error.code !== 409) throw error;
          },
        );
      return nodeReady;
    },

    async bind(namespace, name) {
      await kubelet.ensureNode();
      await core.createNamespacedPodBinding({
        namespace,
        name,
        body: { metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
      });
      const pod = await core.readNamespacedPod({ namespace, name });
      const rec: PodRecord = {
        namespace,
        name,
        uid: pod.metadata?.uid ?? '',
        events: new Map(),
        tokens: SPAM_BURST,
        startTime: new Date(),
        states: new Map(),
        images: new Map(),
      };
      for (const container of pod.spec?.containers ?? []) {
        rec.states.set(container.name, { waiting: { reason: 'ContainerCreating' } });
        rec.images.set(container.name, container.image ?? '');
      }
      pods.set(`${namespace}/${name}`, rec);
      return writeStatus(rec);
    },

    async failPull(namespace, name, container, error) {
      const pod = record(namespace, name);
      const image = imageOf(pod, container);
      await emit(pod, container, 'Normal', 'Pulling', `Pulling image "${image}"`);
      await emit(pod, container, 'Warning', 'Failed', `Failed to pull image "${image}": ${error}`);
      await emit(pod, container, 'Warning', 'Failed', 'Error: ErrImagePull');
      pod.states.set(container, { waiting: { reason: 'ErrImagePull', message: error } });
      await writeStatus(pod);
    },

    async backOff(namespace, name, container) {
      const pod = record(namespace, name);
      const image = imageOf(pod, container);
      await emit(pod, container, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      await emit(pod, container, 'Warning', 'Failed', 'Error: ImagePullBackOff');
      pod.states.set(container, {
        waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
      });
      await writeStatus(pod);
    },

    async failPulls(namespace, name, container, error, times) {
      for (let i = 0; i < times; i++) {
        await kubelet.failPull(namespace, name, container, error);
        await kubelet.backOff(namespace, name, container);
      }
    },

    async setState(namespace, name, container, state, phase) {
      const pod = record(namespace, name);
      pod.states.set(container, state);
      await writeStatus(pod, phase);
    },

    async writePhase(namespace, name, phase) {
      return writeStatus(record(namespace, name), phase);
    },

    tokensLeft: (namespace, name) => record(namespace, name).tokens,
  };
  return kubelet;
}
