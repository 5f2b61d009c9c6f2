/**
 * The real node itself, before pullguard is involved: a kubelet (system:node identity) registers and turns Ready,
 * the scheduler places Pods on it, containerd pulls from the loopback registry over plain HTTP and runs busybox;
 * a missing image fails as a real kubelet fails it (ErrImagePull ⇄ ImagePullBackOff, the runtime's NotFound), an
 * invalid reference gives InvalidImageName with no pull, and the Job controller runs Jobs to completion on it.
 */
import t from 'tap';
import { eventually } from '../../harness/eventually.ts';
import { nodeUnsupportedReason, type TestNode, useNode } from '../../harness/node.ts';
import {
  applyObjects,
  eventsFor,
  getJson,
  jobPods,
  podManifest,
  waitForPod,
  waitingState,
} from '../../harness/node-pods.ts';

const unsupported = nodeUnsupportedReason();
if (unsupported) {
  t.test('real node tests', { skip: unsupported }, () => undefined);
} else {
  const node = await useNode(t);
  await runTests(node);
}

async function runTests(node: TestNode): Promise<void> {
  const { kube } = node;
  const namespace = await kube.createNamespace('real-node');

  t.test('the node registers as system:node:<name> and is Ready', async (t) => {
    interface NodeObject {
      metadata: { name: string; labels: Record<string, string> };
      status: { nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } };
      spec: { taints?: unknown[] };
    }
    const object = await getJson<NodeObject>(kube, ['node', node.name]);
    t.ok(object, 'the Node exists');
    t.equal(object?.metadata.labels['pullguard.dev/test-node'], 'true');
    t.match(object?.status.nodeInfo.kubeletVersion, /^v1\.\d+\.\d+/);
    t.match(object?.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
    t.same(object?.spec.taints ?? [], [], 'no taint keeps Pods off');
    // The Node authorizer knows the kubelet by its certificate: it may read its own Node.
    const own = await kube.kubectl([
      'auth',
      'can-i',
      'get',
      `node/${node.name}`,
      '--as',
      `system:node:${node.name}`,
      '--as-group',
      'system:nodes',
    ]);
    t.equal(own.stdout.trim(), 'yes');
  });

  t.test('a Pod whose image exists is pulled over plain HTTP and runs', async (t) => {
    const image = await node.pushImage({ repository: 'node-test/present', tag: 'v1' });
    await applyObjects(kube, podManifest(namespace, 'present', image.reference));
    const pod = await waitForPod(kube, namespace, 'present', (p) => p.status.phase === 'Running', {
      description: 'the Pod to run',
    });
    t.equal(pod.spec.nodeName, node.name, 'the scheduler placed it on the node');
    const status = pod.status.containerStatuses?.[0];
    t.ok(status?.state?.running?.startedAt, 'the container started');
    t.match(status?.imageID, image.digest, 'the kubelet reports the pushed digest');
    const reasons = (await eventsFor(kube, namespace, 'present')).map((event) => event.reason);
    t.match(reasons, ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);
    const pulls = (await node.registry.settledAccessLog()).filter(
      (entry) => entry.path === '/v2/node-test/present/manifests/v1' && /containerd/.test(entry.userAgent),
    );
    t.ok(pulls.length > 0, 'containerd asked the registry for the manifest');
  });

  t.test('a missing image fails as the kubelet fails it: ErrImagePull, ImagePullBackOff, NotFound', async (t) => {
    const reference = `${node.registry.host}/node-test/missing:v1`;
    await applyObjects(kube, podManifest(namespace, 'missing', reference));
    const seen = new Set<string>();
    let message = '';
    await waitForPod(
      kube,
      namespace,
      'missing',
      (pod) => {
        const waiting = waitingState(pod);
        if (waiting?.reason) seen.add(waiting.reason);
        if (waiting?.reason === 'ErrImagePull' && waiting.message) message = waiting.message;
        return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
      },
      { timeoutMs: 90_000, description: 'ErrImagePull and ImagePullBackOff' },
    );
    t.equal(
      (await waitForPod(kube, namespace, 'missing', () => true, { description: 'the Pod' })).status.phase,
      'Pending',
    );
    const failed = (await eventsFor(kube, namespace, 'missing')).filter((event) => event.reason === 'Failed');
    const runtimeMessage = message || failed.map((event) => event.message).join('\n');
    t.match(runtimeMessage, /code = NotFound/, 'the runtime says NotFound');
    t.match(runtimeMessage, /not found/);
    t.ok(
      failed.some((event) => event.message.includes('ErrImagePull') || event.message.includes('Failed to pull')),
      'the kubelet reported the failed pull as an Event',
    );
  });

  t.test('an invalid reference gives InvalidImageName at once, with no pull', async (t) => {
    const reference = `${node.registry.host}/node-test/Invalid:v1`;
    await applyObjects(kube, podManifest(namespace, 'invalid', reference));
    const pod = await waitForPod(kube, namespace, 'invalid', (p) => waitingState(p)?.reason === 'InvalidImageName', {
      timeoutMs: 30_000,
      description: 'InvalidImageName',
    });
    t.equal(pod.status.phase, 'Pending');
    const asked = (await node.registry.settledAccessLog()).filter((entry) => /node-test\/invalid/i.test(entry.path));
    t.same(asked, [], 'nothing was asked of the registry');
  });

  t.test('the Job controller runs a Job to completion on the node', async (t) => {
    const image = await node.pushImage({ repository: 'node-test/job', tag: 'v1' });
    await applyObjects(kube, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'done', namespace },
      spec: {
        backoffLimit: 0,
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
    interface Job {
      status: { succeeded?: number; conditions?: { type: string; status: string }[] };
    }
    let job: Job | undefined;
    await eventually(
      async () => {
        job = await getJson<Job>(kube, ['job', '-n', namespace, 'done']);
        return job?.status.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, description: 'the Job to complete' },
    );
    t.equal(job?.status.succeeded, 1);
    const pods = await jobPods(kube, namespace, 'done');
    t.equal(pods.length, 1);
    t.equal(pods[0]?.status.phase, 'Succeeded');
    t.equal(pods[0]?.spec.nodeName, node.name);
  });
}
