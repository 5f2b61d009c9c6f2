/**
 * pullguard's stuck-pull controller against the real kubelet's pulls:
 * 2. a Job submitted suspended while its image exists, the image deleted, the Job resumed: the kubelet really fails
 *    to pull, pullguard fails the Pod after imagePullAttempts real attempts, the Job ends Failed (PodFailurePolicy),
 *    the Pod ends terminal and stays so, and nothing of it keeps running on the node;
 * 5. a Pod whose image is pushed after its first failed pull recovers and is not failed.
 */
import t from 'tap';
import { eventually } from '../../harness/eventually.ts';
import { nodeUnsupportedReason, type TestNode, useNode } from '../../harness/node.ts';
import { podCgroups } from '../../harness/node-cleanup.ts';
import {
  applyObjects,
  eventsFor,
  getJson,
  getPod,
  isFromPullguard,
  jobPods,
  type Pod,
  podManifest,
  waitForPod,
  waitingState,
} from '../../harness/node-pods.ts';
import { type RunningPullguard, usePullguard } from '../../harness/node-pullguard.ts';
import { deleteManifest } from '../../harness/push.ts';

const imagePullAttempts = 3;

const unsupported = nodeUnsupportedReason();
if (unsupported) {
  t.test('real node tests', { skip: unsupported }, () => undefined);
} else {
  const node = await useNode(t);
  const pullguard = await usePullguard(t, node, { controller: { imagePullAttempts } });
  runTests(node, pullguard);
}

interface Job {
  status: { failed?: number; active?: number; conditions?: { type: string; status: string; reason?: string }[] };
}

function imagePullFailed(pod: Pod | undefined) {
  return pod?.status.conditions?.find((condition) => condition.type === 'ImagePullFailed');
}

function runTests(node: TestNode, pullguard: RunningPullguard): void {
  const { kube } = node;

  t.test('2. a Job whose image disappears while it is suspended fails through its podFailurePolicy', async (t) => {
    const namespace = await pullguard.createNamespace('e2e-job', 'enforce');
    const image = await node.pushImage({ repository: 'e2e/batch', tag: 'v1' });
    await applyObjects(kube, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'nightly', namespace },
      spec: {
        suspend: true,
        backoffLimit: 6,
        podFailurePolicy: {
          rules: [{ action: 'FailJob', onPodConditions: [{ type: 'ImagePullFailed', status: 'True' }] }],
        },
        template: {
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'main', image: image.reference, command: ['true'] }],
          },
        },
      },
    });
    await deleteManifest(node.registry, image.repository, image.digest);
    const resumed = await kube.kubectl([
      'patch',
      'job',
      'nightly',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      '{"spec":{"suspend":false}}',
    ]);
    t.equal(resumed.code, 0, `the Job resumes: ${resumed.stderr}`);

    const pod = await eventually(async () => (await jobPods(kube, namespace, 'nightly'))[0], {
      timeoutMs: 30_000,
      description: 'the Job controller to create a Pod',
    });
    const name = pod.metadata.name;
    const seen = new Set<string>();
    const failed = await waitForPod(
      kube,
      namespace,
      name,
      (current) => {
        const reason = waitingState(current)?.reason;
        if (reason) seen.add(reason);
        return imagePullFailed(current)?.status === 'True';
      },
      { timeoutMs: 150_000, description: 'pullguard to fail the Pod' },
    );
    t.ok(seen.has('ErrImagePull'), 'the kubelet reported ErrImagePull');
    const condition = imagePullFailed(failed);
    t.equal(condition?.reason, 'ImageNotFound');
    t.match(condition?.message, `${imagePullAttempts} failed pulls`);
    t.match(condition?.message, image.reference);

    const pulls = (await node.registry.settledAccessLog()).filter(
      (entry) => entry.path === '/v2/e2e/batch/manifests/v1' && /containerd/.test(entry.userAgent),
    );
    t.ok(
      pulls.length >= imagePullAttempts,
      `the node really tried ${imagePullAttempts} times (${pulls.length} requests)`,
    );
    t.ok(
      pulls.every((entry) => entry.status === 404),
      'and the registry answered 404 each time',
    );

    const job = await eventually(
      async () => {
        const current = await getJson<Job>(kube, ['job', '-n', namespace, 'nightly']);
        return current?.status.conditions?.some((c) => c.type === 'Failed' && c.status === 'True')
          ? current
          : undefined;
      },
      { timeoutMs: 60_000, description: 'the Job to fail' },
    );
    const jobFailed = job.status.conditions?.find((c) => c.type === 'Failed');
    t.equal(jobFailed?.reason, 'PodFailurePolicy', 'the Job failed through its podFailurePolicy');
    t.equal((await jobPods(kube, namespace, 'nightly')).length, 1, 'no replacement Pod was created');

    const terminal = await waitForPod(kube, namespace, name, (current) => current.status.phase === 'Failed', {
      timeoutMs: 60_000,
      description: 'the Pod to be terminal',
    });
    t.equal(terminal.status.phase, 'Failed');
    // The kubelet may write Pending back over an API-side Failed; pullguard's deadline makes it fail the Pod
    // itself. Watch a while: once terminal, it must stay terminal.
    const phases = new Set<string>();
    const watchUntil = Date.now() + 15_000;
    await eventually(
      async () => {
        phases.add((await getPod(kube, namespace, name))?.status.phase ?? 'gone');
        return Date.now() >= watchUntil ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, description: 'the watch window' },
    );
    t.same([...phases], ['Failed'], 'the Pod stays Failed');
    await eventually(
      () => (podCgroups(node.footprint.cgroupRoot, terminal.metadata.uid).length === 0 ? true : undefined),
      {
        timeoutMs: 60_000,
        description: "the kubelet to tear down the Pod's sandbox and cgroups",
      },
    );
    t.pass('nothing of the Pod holds the node');
    const events = await eventsFor(kube, namespace, name);
    t.ok(
      events.some((event) => isFromPullguard(event) && event.reason === 'ImageNotFound'),
      'pullguard said why in an Event',
    );
  });

  t.test('5. a Pod whose image is pushed after its first failed pull recovers and is not failed', async (t) => {
    const namespace = await pullguard.createNamespace('e2e-late', 'warn');
    const reference = `${node.registry.host}/e2e/late:v1`;
    const applied = await kube.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify(podManifest(namespace, 'late', reference)),
    });
    t.equal(applied.code, 0, `admitted in a warn namespace: ${applied.stderr}`);
    await waitForPod(kube, namespace, 'late', (pod) => waitingState(pod)?.reason === 'ErrImagePull', {
      timeoutMs: 60_000,
      description: 'the first failed pull',
    });
    await node.pushImage({ repository: 'e2e/late', tag: 'v1' });
    const running = await waitForPod(kube, namespace, 'late', (pod) => pod.status.phase === 'Running', {
      timeoutMs: 90_000,
      description: 'the kubelet to pull the image on a later attempt and run the Pod',
    });
    t.ok(running.status.containerStatuses?.[0]?.state?.running, 'the container runs');
    t.notOk(imagePullFailed(running), 'no ImagePullFailed condition');
    t.equal(running.spec.activeDeadlineSeconds, undefined, 'no deadline was set');
    const events = await eventsFor(kube, namespace, 'late');
    t.same(events.filter(isFromPullguard), [], 'pullguard recorded nothing');
    t.ok(
      events.some((event) => event.reason === 'Failed'),
      'the kubelet did fail a pull first',
    );
  });
}
