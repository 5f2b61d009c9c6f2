/**
 * A real node to look at by hand (or for a demo): `npx node tests/harness/node-up.ts [--pullguard]` starts a cluster
 * with a node (and pullguard serve, with the chart's webhook configurations, when asked), prints how to reach them,
 * and stops everything on Ctrl-C or SIGTERM. Needs root.
 */

import { nodeUnsupportedReason, startNode } from './node.ts';
import { type RunningPullguard, startPullguard } from './node-pullguard.ts';

const reason = nodeUnsupportedReason();
if (reason) {
  console.error(`node-up: ${reason}`);
  process.exit(2);
}
const withPullguard = process.argv.includes('--pullguard');
const node = await startNode();
let pullguard: RunningPullguard | undefined;
try {
  if (withPullguard) pullguard = await startPullguard(node);
} catch (error) {
  await node.stop();
  throw error;
}
const busybox = await node.pushImage({ repository: 'demo/busybox', tag: 'v1' });
console.log(
  JSON.stringify(
    {
      node: node.name,
      kubeconfig: node.kube.kubeconfigPath,
      registry: node.registry.url,
      busyboxImage: busybox.reference,
      logs: node.logFiles,
      ...(pullguard ? { pullguard: pullguard.url, pullguardLog: pullguard.logFile } : {}),
    },
    null,
    2,
  ),
);
console.log(`try: kubectl --kubeconfig ${node.kube.kubeconfigPath} get nodes`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await pullguard?.stop();
  await node.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 60_000);
