/**
 * The point of failing stuck Pods: the real Job controller (kube-controller-manager) reacts. A Job whose
 * podFailurePolicy matches the ImagePullFailed condition fails at once (reason PodFailurePolicy); a Job without
 * one counts the failure against backoffLimit and replaces the Pod.
 */
import { BatchV1Api, type V1Job } from '@kubernetes/client-node';
import t from 'tap';
import { createScene, MISSING, pullFailedCondition, waitForLeader } from '../../harness/controller-scene.ts';
import { eventually } from '../../harness/eventually.ts';
import { uniqueName, useKube } from '../../harness/kube.ts';

const kube = await useKube(t, { controllerManager: true });
const image = 'registry.example/acme/batch:v9';

/** The podFailurePolicy the README recommends. */
const imagePullFailurePolicy = {
  rules: [{ action: 'FailJob', onPodConditions: [{ type: 'ImagePullFailed', status: 'True' }] }],
};

function job(name: string, extra: Partial<NonNullable<V1Job['spec']>>): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...extra,
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'app', image }] },
      },
    },
  };
}

t.test('a Job with an ImagePullFailed podFailurePolicy fails once pullguard fails its Pod', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController({ workers: 2 });
  await waitForLeader(handle);
  const batch = scene.kubeConfig.makeApiClient(BatchV1Api);
  const { namespace: ns, kubelet } = scene;
  const name = uniqueName('job');
  await batch.createNamespacedJob({
    namespace: ns,
    body: job(name, { backoffLimit: 0, podFailurePolicy: imagePullFailurePolicy }),
  });
  const pod = await jobPod(scene, ns, name);
  await kubelet.bind(ns, pod);
  await kubelet.failPulls(ns, pod, 'app', MISSING, 3);
  const failed = await scene.waitForPhase(ns, pod, 'Failed');
  t.match(pullFailedCondition(failed), { status: 'True', reason: 'ImageNotFound' });
  // The kubelet fights back once: pullguard fails the Pod again; the Job still ends.
  await kubelet.writePhase(ns, pod, 'Pending').catch(() => undefined);

  const condition = await eventually(
    async () => {
      const current = await batch.readNamespacedJob({ namespace: ns, name });
      return current.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    },
    { timeoutMs: 60_000, description: 'the Job condition Failed' },
  );
  t.equal(condition.reason, 'PodFailurePolicy');
  t.match(condition.message, /ImagePullFailed/);
  const pods = await listJobPods(scene, ns, name);
  t.equal(pods.length, 1, 'no replacement Pod');
});

t.test('the same Job without a podFailurePolicy (backoffLimit 1) gets a replacement Pod', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController({ workers: 2 });
  await waitForLeader(handle);
  const batch = scene.kubeConfig.makeApiClient(BatchV1Api);
  const { namespace: ns, kubelet } = scene;
  const name = uniqueName('job');
  await batch.createNamespacedJob({ namespace: ns, body: job(name, { backoffLimit: 1 }) });
  const first = await jobPod(scene, ns, name);
  await kubelet.bind(ns, first);
  await kubelet.failPulls(ns, first, 'app', MISSING, 3);
  await scene.waitForPhase(ns, first, 'Failed');

  // The Job controller waits its own back-off (10 s for the first failure) before the replacement.
  const replacement = await eventually(async () => (await listJobPods(scene, ns, name)).find((pod) => pod !== first), {
    timeoutMs: 90_000,
    intervalMs: 250,
    description: 'a replacement Pod',
  });
  t.not(replacement, first);
  const current = await batch.readNamespacedJob({ namespace: ns, name });
  t.equal(current.status?.failed, 1, 'one failure counted against backoffLimit');
  t.notOk(
    current.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True'),
    'the Job has not failed yet',
  );
});

async function listJobPods(scene: Awaited<ReturnType<typeof createScene>>, ns: string, job: string) {
  const list = await scene.kubelet.core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${job}` });
  return list.items.map((pod) => pod.metadata?.name ?? '');
}

async function jobPod(scene: Awaited<ReturnType<typeof createScene>>, ns: string, job: string): Promise<string> {
  return eventually(async () => (await listJobPods(scene, ns, job))[0], {
    timeoutMs: 30_000,
    description: `the Pod of Job ${job}`,
  });
}
