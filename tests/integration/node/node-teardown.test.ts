/**
 * Stopping a node leaves the host as it was: its processes (containerd, kubelet, scheduler, shims, containers) are
 * gone, nothing stays mounted under its root and the root is removed, its cgroups, bridge and container-log links
 * are gone, and — when it was the last node on the host — the kernel settings the kubelet changed are back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { nodeUnsupportedReason, startNode } from '../../harness/node.ts';
import { cgroupHierarchies, currentMountsUnder, shimsOf } from '../../harness/node-cleanup.ts';
import { readHostRecord } from '../../harness/node-host.ts';
import { applyObjects, podManifest, waitForPod } from '../../harness/node-pods.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const unsupported = nodeUnsupportedReason();
if (unsupported) {
  t.plan(0, `skipped: ${unsupported}`);
} else {
  t.test('a stopped node leaves nothing behind', async (t) => {
    const node = await startNode();
    let stopped = false;
    t.teardown(() => (stopped ? undefined : node.stop()));
    const { kube, footprint, root } = node;
    const namespace = await kube.createNamespace('teardown');
    const image = await node.pushImage({ repository: 'teardown/busybox' });
    await applyObjects(kube, podManifest(namespace, 'running', image.reference));
    await waitForPod(kube, namespace, 'running', (pod) => pod.status.phase === 'Running', {
      description: 'a Pod to run before the stop',
    });
    const shims = shimsOf(footprint.containerdSocket, join(root, 'containerd', 'state'));
    t.ok(shims.pids.length > 0, 'a shim serves the running Pod');
    t.ok(currentMountsUnder(root).length > 0, 'the running Pod has mounts under the root');
    const record = readHostRecord();
    const lastNode = record?.holders.every((holder) => holder.id === footprint.hostId) ?? false;

    await node.stop();
    stopped = true;

    t.same(footprint.pids.filter(isAlive), [], 'containerd, kubelet and scheduler have exited');
    t.same(shims.pids.filter(isAlive), [], 'the shims have exited');
    t.same(currentMountsUnder(root), [], 'nothing is mounted under the root');
    t.notOk(existsSync(root), 'the root is removed');
    const cgroups = cgroupHierarchies().filter((hierarchy) => existsSync(join(hierarchy, footprint.cgroupRoot)));
    t.same(cgroups, [], 'no cgroup of the node is left');
    t.notOk(existsSync(`/sys/class/net/${footprint.bridge}`), 'the bridge is deleted');
    const links = existsSync('/var/log/containers') ? readdirSync('/var/log/containers') : [];
    t.same(
      links.filter((name) => name.includes(namespace)),
      [],
      'no container-log link of the node is left',
    );
    if (lastNode && record) {
      for (const [name, value] of Object.entries(record.sysctls)) {
        t.equal(readFileSync(`/proc/sys/${name}`, 'utf8').trim(), value, `${name} is restored`);
      }
      t.notOk(readHostRecord(), 'the host record is cleared');
    } else {
      t.comment('another node still runs on this host: kernel settings are restored when the last one stops');
    }
  });
}
