/**
 * pullguard (webhook + controller, `pullguard serve` as a process) with a real node doing real pulls:
 * 1. `kubectl apply` of a Job naming a missing image in an enforce namespace is rejected;
 * 3. a Pod whose image exists runs and is never touched;
 * 4. a Pod with an invalid reference, admitted in an audit namespace, is failed at once by the controller.
 */
import t from 'tap';
import { nodeUnsupportedReason, type TestNode, useNode } from '../../harness/node.ts';
import {
  applyObjects,
  eventsFor,
  getJson,
  getPod,
  isFromPullguard,
  type Pod,
  podManifest,
  waitForPod,
} from '../../harness/node-pods.ts';
import { type RunningPullguard, usePullguard } from '../../harness/node-pullguard.ts';

const unsupported = nodeUnsupportedReason();
if (unsupported) {
  t.test('real node tests', { skip: unsupported }, () => undefined);
} else {
  const node = await useNode(t);
  const pullguard = await usePullguard(t, node);
  runTests(node, pullguard);
}

function imagePullFailed(pod: Pod | undefined) {
  return pod?.status.conditions?.find((condition) => condition.type === 'ImagePullFailed');
}

function runTests(node: TestNode, pullguard: RunningPullguard): void {
  const { kube } = node;

  t.test('1. kubectl apply of a Job naming a missing image in an enforce namespace is rejected', async (t) => {
    const namespace = await pullguard.createNamespace('e2e-enforce', 'enforce');
    const image = `${node.registry.host}/e2e/never-pushed:v1`;
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'typo', namespace },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image, command: ['true'] }] },
        },
      },
    };
    const result = await kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify(job) });
    t.not(result.code, 0, 'kubectl apply fails');
    t.match(result.stderr, /denied the request/);
    t.match(result.stderr, 'spec.template.spec.containers[0].image');
    t.match(result.stderr, image);
    t.match(result.stderr, /not found/i);
    t.notOk(await getJson(kube, ['job', '-n', namespace, 'typo']), 'no Job was created');
  });

  t.test('3. a Pod whose image exists runs and is never touched', async (t) => {
    const namespace = await pullguard.createNamespace('e2e-present', 'enforce');
    const image = await node.pushImage({ repository: 'e2e/present', tag: 'v1' });
    await applyObjects(kube, podManifest(namespace, 'present', image.reference));
    const running = await waitForPod(kube, namespace, 'present', (pod) => pod.status.phase === 'Running', {
      description: 'the Pod to run',
    });
    t.equal(running.spec.nodeName, node.name);
    t.ok(running.status.containerStatuses?.[0]?.state?.running, 'its container runs');
    // The controller saw each update of the Pod on its way to Running: it must have left it as the kubelet wrote it.
    const later = await getPod(kube, namespace, 'present');
    t.equal(later?.status.phase, 'Running');
    t.notOk(imagePullFailed(later), 'no ImagePullFailed condition');
    t.equal(later?.spec.activeDeadlineSeconds, undefined, 'no deadline was set');
    const events = await eventsFor(kube, namespace, 'present');
    t.same(
      events.filter((event) => event.type === 'Warning'),
      [],
      'no Warning Event',
    );
    t.same(events.filter(isFromPullguard), [], 'no Event from pullguard');
  });

  t.test('4. a Pod with an invalid reference, admitted in an audit namespace, is failed at once', async (t) => {
    const namespace = await pullguard.createNamespace('e2e-audit', 'audit');
    const reference = `${node.registry.host}/e2e/Invalid:v1`;
    const applied = await kube.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify(podManifest(namespace, 'invalid', reference)),
    });
    t.equal(applied.code, 0, `admitted: ${applied.stderr}`);
    const created = Date.now();
    const failed = await waitForPod(kube, namespace, 'invalid', (pod) => pod.status.phase === 'Failed', {
      timeoutMs: 30_000,
      description: 'the controller to fail the Pod',
    });
    t.ok(Date.now() - created < 30_000, 'within seconds of its creation');
    const condition = imagePullFailed(failed);
    t.equal(condition?.status, 'True');
    t.equal(condition?.reason, 'InvalidImageName');
    t.match(condition?.message, reference);
    const events = await eventsFor(kube, namespace, 'invalid');
    t.ok(
      events.some((event) => isFromPullguard(event) && event.reason === 'InvalidImageName' && event.type === 'Warning'),
      'a Warning Event from pullguard says why',
    );
    const pulls = (await node.registry.settledAccessLog()).filter(
      (entry) => /e2e\/invalid/i.test(entry.path) && /containerd/.test(entry.userAgent),
    );
    t.same(pulls, [], 'the node never tried to pull it');
  });
}
