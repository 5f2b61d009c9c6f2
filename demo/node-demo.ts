/**
 * The demo's real-node part (`npm run demo -- --cluster`, as root): a kubelet with containerd pulls real images from
 * a loopback registry, and pullguard (webhook + controller) runs against it.
 */
import { nodeUnsupportedReason, startNode } from '../tests/harness/node.ts';
import { getPod, podManifest, waitForPod } from '../tests/harness/node-pods.ts';
import { startPullguard } from '../tests/harness/node-pullguard.ts';

export async function runNodeDemo(say: (text: string) => void): Promise<void> {
  const unsupported = nodeUnsupportedReason();
  say("9. A real node: kubelet + containerd pulling from a loopback registry, pullguard's controller watching");
  if (unsupported) {
    console.log(`skipped: ${unsupported}`);
    return;
  }
  const node = await startNode();
  try {
    const pullguard = await startPullguard(node);
    try {
      const busybox = await node.pushImage({ repository: 'demo/busybox', tag: 'v1' });
      const kube = node.kube;
      const enforce = await pullguard.createNamespace('team-a', 'enforce');
      const show = async (pod: object): Promise<void> => {
        const result = await kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
        console.log(`${result.stdout}${result.stderr}`.trimEnd());
      };
      console.log(`$ kubectl apply  # Pod "runs" with ${busybox.reference} in ${enforce}`);
      await show(podManifest(enforce, 'runs', busybox.reference));
      await waitForPod(kube, enforce, 'runs', (pod) => pod.status.phase === 'Running', {
        timeoutMs: 120_000,
        description: 'the busybox Pod to run',
      });
      console.log('pod/runs is Running on the real node: pullguard never touches it');

      const audit = await pullguard.createNamespace('team-b', 'audit');
      const invalid = `${node.registry.host}/demo/BusyBox:v1`;
      console.log(`\n$ kubectl apply  # Pod "typo" with ${invalid} in an audit namespace (admitted)`);
      await show(podManifest(audit, 'typo', invalid));
      const failed = await waitForPod(kube, audit, 'typo', (pod) => pod.status.phase === 'Failed', {
        timeoutMs: 120_000,
        description: 'pullguard to fail the Pod',
      });
      const condition = failed.status.conditions?.find((c) => c.type === 'ImagePullFailed');
      console.log(`pod/typo: phase ${failed.status.phase}; condition ImagePullFailed, reason ${condition?.reason}`);
      console.log(`  ${condition?.message ?? ''}`);
      const again = await getPod(kube, audit, 'typo');
      console.log(`(the kubelet said ${JSON.stringify(again?.status.containerStatuses?.[0]?.state?.waiting?.reason)})`);
      console.log(
        '\nA Job whose image vanishes after admission is failed after imagePullAttempts real pulls and ends\n' +
          'with reason PodFailurePolicy: tests/e2e/node/stuck-pulls.test.ts runs that story (several minutes).',
      );
    } finally {
      await pullguard.stop();
    }
  } finally {
    await node.stop();
  }
}
