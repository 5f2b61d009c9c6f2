/**
 * The writes the stuck-pull controller makes to a Pod, over client-node 2.x CoreV1Api, as plain objects in and out.
 *
 * Patches are strategic merge patches carrying `metadata.resourceVersion`: the apiserver applies the patch to the
 * object it holds and, because the result names a resourceVersion, refuses it with 409 when that is not the current
 * one. So a patch decided on a stale cache never lands. Strategic merge (not JSON merge) because Pod
 * `status.conditions` merge by `type`: adding our condition keeps the kubelet's.
 */
import { CoreV1Api, type CoreV1Event, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { kubeStatusOf, toKubeError } from './kube-error.ts';

export type PodWriteResult =
  | { readonly outcome: 'patched'; readonly resourceVersion: string }
  /** The Pod changed since `resourceVersion` was read: read it again and decide again. */
  | { readonly outcome: 'conflict' }
  | { readonly outcome: 'not-found' };

export interface PodReference {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string | undefined;
}

export interface PodEvent {
  readonly pod: PodReference;
  readonly type: 'Normal' | 'Warning';
  /** UpperCamelCase, e.g. `ImagePullFailed`. */
  readonly reason: string;
  readonly message: string;
  /** What was done, e.g. `FailPod`. */
  readonly action?: string | undefined;
}

export interface PodWriter {
  /** Patches `pods/status` (e.g. `{ phase: 'Failed', conditions: [...] }`) guarded by `resourceVersion`. */
  patchPodStatus(
    namespace: string,
    name: string,
    status: Readonly<Record<string, unknown>>,
    resourceVersion: string,
  ): Promise<PodWriteResult>;
  /** Patches the Pod's spec (e.g. `{ activeDeadlineSeconds: 42 }`) guarded by `resourceVersion`. */
  patchPodSpec(
    namespace: string,
    name: string,
    spec: Readonly<Record<string, unknown>>,
    resourceVersion: string,
  ): Promise<PodWriteResult>;
  /** Records a core/v1 Event about the Pod. */
  createEvent(event: PodEvent): Promise<void>;
}

export interface PodWriterOptions {
  /** `source.component` and `reportingComponent` of Events; default `pullguard`. */
  readonly component?: string | undefined;
  /** `reportingInstance` of Events, e.g. the pod name of this replica. */
  readonly instance?: string | undefined;
  readonly now?: (() => Date) | undefined;
}

/** The apiserver keeps Event messages short; kubectl shows them in a table. */
export const MAX_EVENT_MESSAGE_LENGTH = 1024;

export function createPodWriter(kubeConfig: KubeConfig, options: PodWriterOptions = {}): PodWriter {
  return createPodWriterFor(kubeConfig.makeApiClient(CoreV1Api), options);
}

export function createPodWriterFor(core: CoreV1Api, options: PodWriterOptions = {}): PodWriter {
  const component = options.component ?? 'pullguard';
  const now = options.now ?? (() => new Date());
  const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

  const guarded = async (what: string, call: () => Promise<{ metadata?: { resourceVersion?: string } }>) => {
    try {
      const pod = await call();
      return { outcome: 'patched', resourceVersion: pod.metadata?.resourceVersion ?? '' } as const;
    } catch (error) {
      const status = kubeStatusOf(error);
      if (status === 409) return { outcome: 'conflict' } as const;
      if (status === 404) return { outcome: 'not-found' } as const;
      throw toKubeError(error, what);
    }
  };

  return {
    patchPodStatus(namespace, name, status, resourceVersion) {
      const body = { metadata: { resourceVersion }, status };
      return guarded(`patching the status of Pod ${namespace}/${name}`, () =>
        core.patchNamespacedPodStatus({ namespace, name, body }, strategicMerge),
      );
    },
    patchPodSpec(namespace, name, spec, resourceVersion) {
      const body = { metadata: { resourceVersion }, spec };
      return guarded(`patching Pod ${namespace}/${name}`, () =>
        core.patchNamespacedPod({ namespace, name, body }, strategicMerge),
      );
    },
    async createEvent(event) {
      const { pod } = event;
      const at = now();
      const body: CoreV1Event = {
        metadata: { generateName: `${pod.name}.`, namespace: pod.namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: pod.namespace,
          name: pod.name,
          ...(pod.uid === undefined ? {} : { uid: pod.uid }),
        },
        type: event.type,
        reason: event.reason,
        message: truncate(event.message, MAX_EVENT_MESSAGE_LENGTH),
        ...(event.action === undefined ? {} : { action: event.action }),
        source: { component },
        reportingComponent: component,
        ...(options.instance === undefined ? {} : { reportingInstance: options.instance }),
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
      };
      try {
        await core.createNamespacedEvent({ namespace: pod.namespace, body });
      } catch (error) {
        throw toKubeError(error, `recording an Event on Pod ${pod.namespace}/${pod.name}`);
      }
    },
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
