/**
 * Pending Pods for the controller benchmark, as a Job would create them (ownerless here, no node: nothing runs them),
 * and the status a kubelet writes while a pull keeps failing: ErrImagePull ⇄ ImagePullBackOff.
 */
import { MODE_LABEL } from '../../server/admission/keys.ts';
import { forEachConcurrently, type KubeClient } from './kube-client.ts';

export const BENCH_IMAGE = 'registry.bench.invalid/team/batch-worker:v1';

export function pendingPod(namespace: string, name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'batch-worker', 'batch.kubernetes.io/job-name': 'bench', 'app.kubernetes.io/part-of': 'bench' },
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'app',
          image: BENCH_IMAGE,
          args: ['--shard', name],
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        },
      ],
    },
  };
}

export type PullReason = 'ErrImagePull' | 'ImagePullBackOff';

/** A merge patch for the status subresource, as the kubelet's status after a failed pull looks. */
export function pullStatusPatch(reason: PullReason): Record<string, unknown> {
  const message =
    reason === 'ErrImagePull'
      ? `rpc error: code = NotFound desc = failed to pull and unpack image "${BENCH_IMAGE}": not found`
      : `Back-off pulling image "${BENCH_IMAGE}"`;
  return {
    status: {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'app',
          image: BENCH_IMAGE,
          imageID: '',
          ready: false,
          restartCount: 0,
          started: false,
          state: { waiting: { reason, message } },
          lastState: {},
        },
      ],
    },
  };
}

export async function createOptedInNamespace(client: KubeClient, name: string): Promise<void> {
  await expectCreated(
    client.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { [MODE_LABEL]: 'enforce' } },
    }),
    `namespace ${name}`,
  );
  // The ServiceAccount admission plugin refuses Pods until `default` exists (no controller manager here).
  await expectCreated(
    client.request('POST', `/api/v1/namespaces/${name}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: name },
    }),
    `serviceaccount ${name}/default`,
  );
}

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await expectCreated(
    client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
    `namespace ${name}`,
  );
}

async function expectCreated(answer: Promise<{ status: number; body: unknown }>, what: string): Promise<void> {
  const { status, body } = await answer;
  if (status !== 201 && status !== 409) throw new Error(`creating ${what} answered ${status}: ${JSON.stringify(body)}`);
}

export interface PodName {
  readonly namespace: string;
  readonly name: string;
}

/** Creates the Pods with `concurrency` requests in flight; retries 429/5xx a few times (the apiserver sheds load). */
export async function createPods(client: KubeClient, pods: readonly PodName[], concurrency: number): Promise<void> {
  await forEachConcurrently(pods.length, concurrency, async (index) => {
    const pod = pods[index];
    if (pod === undefined) return;
    for (let attempt = 1; ; attempt += 1) {
      const { status, body } = await client.request(
        'POST',
        `/api/v1/namespaces/${pod.namespace}/pods`,
        pendingPod(pod.namespace, pod.name),
      );
      if (status === 201 || status === 409) return;
      const retryable = status === 429 || status >= 500;
      if (!retryable || attempt >= 5) {
        throw new Error(`creating pod ${pod.namespace}/${pod.name} answered ${status}: ${JSON.stringify(body)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  });
}

export async function patchPullStatus(client: KubeClient, pod: PodName, reason: PullReason): Promise<void> {
  const { status, body } = await client.request(
    'PATCH',
    `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`,
    pullStatusPatch(reason),
    'application/merge-patch+json',
  );
  if (status !== 200)
    throw new Error(`status of ${pod.namespace}/${pod.name} answered ${status}: ${JSON.stringify(body)}`);
}
