/**
 * Stopping a node leaves the host as it was: its processes (containerd, kubelet, scheduler, shims, containers) are
 * gone, nothing stays mounted under its root and the root is removed, its cgroups, bridge and container-log links
 * are gone, and — when it was the last node on the host — the kernel settings the kubelet changed are back.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { nodeUnsupportedReason, startNode } from '../../harness/node.ts';
import {
  cgroupHierarchies,
  currentMountsUnder,
  isRunningProcess,
  killProcessesUnder,
  processesUnder,
  shimsOf,
} from '../../harness/node-cleanup.ts';
import { readHostRecord } from '../../harness/node-host.ts';
import { applyObjects, podManifest, waitForPod } from '../../harness/node-pods.ts';

const unsupported = nodeUnsupportedReason();
if (unsupported) {
  t.test('real node tests', { skip: unsupported }, () => undefined);
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

    t.same(footprint.pids.filter(isRunningProcess), [], 'containerd, kubelet and scheduler have exited');
    t.same(shims.pids.filter(isRunningProcess), [], 'the shims have exited');
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

  t.test('a node whose process was killed is cleared by the next node that starts', async (t) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'abandoned-node.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the abandoned node's process exited early (${code})`)));
    });
    const abandoned = JSON.parse(line) as { root: string; cgroupRoot: string; bridge: string; others: string[] };
    t.teardown(async () => {
      // Should the sweep fail, the killed process's cluster and registry must not outlive the test.
      for (const dir of abandoned.others) {
        await killProcessesUnder(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    });
    child.kill('SIGKILL');
    await exited;
    t.ok(currentMountsUnder(abandoned.root).length > 0, 'the killed node left mounts behind');

    const next = await startNode();
    t.teardown(() => next.stop());
    t.same(currentMountsUnder(abandoned.root), [], 'its mounts are gone');
    t.notOk(existsSync(abandoned.root), 'its root is removed');
    const cgroups = cgroupHierarchies().filter((hierarchy) => existsSync(join(hierarchy, abandoned.cgroupRoot)));
    t.same(cgroups, [], 'its cgroups are removed');
    t.notOk(existsSync(`/sys/class/net/${abandoned.bridge}`), 'its bridge is deleted');
    t.same(processesUnder(abandoned.root), [], 'none of its processes (kubelet, containerd, shims …) is left');
    for (const dir of abandoned.others) {
      t.same(processesUnder(dir), [], `its cluster or registry no longer runs (${dir})`);
      t.notOk(existsSync(dir), 'and its folder is removed');
    }
  });
}
