/**
 * Tearing a test node down to nothing: kill what runs in its cgroups and its containerd shims (by PID), unmount
 * whatever the kubelet and containerd mounted under its temporary root, remove its cgroups, its bridge and the
 * container-log links that point into its root. Each step reports problems instead of throwing, so the rest runs.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const cgroupBase = '/sys/fs/cgroup';

/** The cgroup hierarchies' mount folders: the unified one on cgroup v2, one per controller on v1. */
export function cgroupHierarchies(): string[] {
  if (existsSync(join(cgroupBase, 'cgroup.controllers'))) return [cgroupBase];
  if (!existsSync(cgroupBase)) return [];
  return readdirSync(cgroupBase)
    .map((name) => join(cgroupBase, name))
    .filter((dir) => existsSync(join(dir, 'cgroup.procs')));
}

/** `/proc/self/mountinfo` mount points (octal escapes decoded), in mount order. Pure. */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) =>
      (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, code: string) =>
        String.fromCharCode(Number.parseInt(code, 8)),
      ),
    );
}

/** Mount points at or under `root`, deepest (and latest) first: the order to unmount them in. Pure. */
export function mountsUnder(mountPoints: readonly string[], root: string): string[] {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return mountPoints
    .map((point, index) => ({ point, index }))
    .filter(({ point }) => point === root || point.startsWith(prefix))
    .sort((a, b) => b.point.split('/').length - a.point.split('/').length || b.index - a.index)
    .map(({ point }) => point);
}

export function currentMountsUnder(root: string): string[] {
  return mountsUnder(parseMountPoints(readFileSync('/proc/self/mountinfo', 'utf8')), root);
}

/** Unmounts everything under `root` (lazily when a plain unmount fails); returns what stays mounted. */
export function unmountAllUnder(root: string): string[] {
  for (let pass = 0; pass < 3; pass += 1) {
    const mounts = currentMountsUnder(root);
    if (mounts.length === 0) return [];
    for (const point of mounts) {
      try {
        execFileSync('umount', [point], { stdio: 'ignore' });
      } catch {
        try {
          execFileSync('umount', ['-l', point], { stdio: 'ignore' });
        } catch {
          // reported below if it stays
        }
      }
    }
  }
  return currentMountsUnder(root).map((point) => `still mounted: ${point}`);
}

/** Every cgroup folder at or under `relative` in every hierarchy, deepest first. */
function cgroupFolders(relative: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
    }
    found.push(dir);
  };
  for (const hierarchy of cgroupHierarchies()) walk(join(hierarchy, relative));
  return found;
}

/** The cgroup folders of one Pod (cgroupfs names them `pod<uid>`) under the node's cgroup root. */
export function podCgroups(relative: string, uid: string): string[] {
  return cgroupFolders(relative).filter((folder) => folder.endsWith(`/pod${uid}`));
}

function cgroupPids(folder: string): number[] {
  try {
    return readFileSync(join(folder, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid > 1);
  } catch {
    return [];
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** True while `pid` is a live process (a zombie, dead but not yet reaped by its parent, is not). */
export function isRunningProcess(pid: number): boolean {
  const stat = readOptional(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  // The state follows the parenthesised command name, which may itself contain spaces or parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** SIGKILLs `pids` and waits (up to `timeoutMs`) until none of them runs; returns those still running. */
export async function killAndWait(pids: readonly number[], timeoutMs = 5000): Promise<number[]> {
  for (const pid of pids) kill(pid);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(isRunningProcess);
    if (left.length === 0 || Date.now() > deadline) return left;
    await delay(50);
  }
}

/** Creates the node's cgroup root in every hierarchy (the kubelet insists that `cgroupRoot` exists). */
export function createCgroupRoot(relative: string): void {
  for (const hierarchy of cgroupHierarchies()) {
    const dir = join(hierarchy, relative);
    mkdirSync(dir, { recursive: true });
    // A new cpuset cgroup starts with no CPUs and no memory nodes: copy the parent's.
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const parent = join(hierarchy, file);
      const own = join(dir, file);
      if (existsSync(parent) && existsSync(own) && readFileSync(own, 'utf8').trim() === '') {
        writeFileSync(own, readFileSync(parent, 'utf8'));
      }
    }
  }
}

/** SIGKILLs every process in the node's cgroups until none is left, then removes the cgroups. */
export async function removeCgroupRoot(relative: string, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = cgroupFolders(relative).flatMap(cgroupPids);
    if (pids.length === 0) break;
    if (Date.now() > deadline) return [`processes left in cgroup ${relative}: ${[...new Set(pids)].join(' ')}`];
    for (const pid of new Set(pids)) kill(pid);
    await delay(100);
  }
  const problems: string[] = [];
  for (const folder of cgroupFolders(relative)) {
    try {
      rmdirSync(folder);
    } catch (error) {
      problems.push(`cgroup ${folder}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * The shims serving a containerd: processes whose command line passes `-address <socket>` (containerd 1.6 records no
 * shim PID in its bundles), and the shim sockets named in the bundles' `address` files under `state`.
 */
export function shimsOf(socket: string, state: string): { pids: number[]; sockets: string[] } {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = readOptional(`/proc/${entry}/cmdline`)?.split('\0') ?? [];
    const at = args.indexOf('-address');
    if (at >= 0 && args[at + 1] === socket && (args[0] ?? '').includes('containerd-shim')) pids.push(Number(entry));
  }
  const sockets: string[] = [];
  const tasks = join(state, 'io.containerd.runtime.v2.task');
  if (existsSync(tasks)) {
    for (const namespace of readdirSync(tasks)) {
      for (const id of readdirSync(join(tasks, namespace))) {
        const address = readOptional(join(tasks, namespace, id, 'address'))?.trim();
        if (address?.startsWith('unix://')) sockets.push(address.slice('unix://'.length));
      }
    }
  }
  return { pids, sockets };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Kills the shims (their containers must be dead first, or they would be orphaned) and removes their sockets. */
export async function killShims(socket: string, state: string): Promise<string[]> {
  const { pids, sockets } = shimsOf(socket, state);
  const left = await killAndWait(pids);
  for (const path of sockets) rmSync(path, { force: true });
  return left.map((pid) => `shim ${pid} still runs`);
}

/** Sandbox and container IDs containerd knows under its `state` folder. */
function containerIdsUnder(state: string): string[] {
  const ids = new Set<string>();
  const collect = (dir: string) => {
    if (existsSync(dir)) for (const id of readdirSync(dir)) ids.add(id);
  };
  collect(join(state, 'io.containerd.grpc.v1.cri', 'sandboxes'));
  collect(join(state, 'io.containerd.grpc.v1.cri', 'containers'));
  const tasks = join(state, 'io.containerd.runtime.v2.task');
  if (existsSync(tasks)) for (const namespace of readdirSync(tasks)) collect(join(tasks, namespace));
  return [...ids];
}

/**
 * Removes libcni's cached results for the node's sandboxes (`<network>-<sandbox>-<ifname>`, kept in a fixed folder
 * and deleted only by a network teardown, which a killed sandbox never gets).
 */
export function removeCniCache(state: string, networkName: string, cacheDir = '/var/lib/cni/results'): void {
  if (!existsSync(cacheDir)) return;
  const ids = containerIdsUnder(state);
  for (const entry of readdirSync(cacheDir)) {
    if (entry.startsWith(`${networkName}-`) || ids.some((id) => entry.includes(`-${id}-`))) {
      rmSync(join(cacheDir, entry), { force: true });
    }
  }
}

/** The live processes whose command line names a path under `root` (a node's components and shims). */
export function processesUnder(root: string): number[] {
  const marker = root.endsWith('/') ? root : `${root}/`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((entry) => readOptional(`/proc/${entry}/cmdline`)?.includes(marker))
    .map(Number)
    .filter(isRunningProcess);
}

/** SIGKILLs the processes under `root` and waits for them; returns the problems. */
export async function killProcessesUnder(root: string): Promise<string[]> {
  const left = await killAndWait(processesUnder(root));
  return left.map((pid) => `process ${pid} (under ${root}) still runs`);
}

/** What a node made on the host, enough to remove it even after the process that started it died. */
export interface NodeResources {
  readonly root: string;
  readonly cgroupRoot: string;
  readonly bridge: string;
  readonly networkName: string;
  readonly containerdSocket: string;
  readonly containerdState: string;
  /**
   * Folders of the node's own cluster and registry: their processes are stopped by their own harness, but a node
   * cleared after its process died kills what runs from them too (and removes them).
   */
  readonly ownedDirs?: readonly string[] | undefined;
}

/**
 * Removes what is left of a node whose components have stopped, or were never stopped (a crashed run): kills
 * anything still running from its root, its containers (by cgroup) and shims, then unmounts, removes cgroups,
 * libcni's cache entries, the bridge and the container-log links. Returns the problems; never throws.
 */
export async function clearNode(resources: NodeResources): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, fn: () => Promise<string[] | undefined> | string[] | undefined) => {
    try {
      problems.push(...((await fn()) ?? []));
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  for (const dir of [resources.root, ...(resources.ownedDirs ?? [])]) {
    await step('processes', () => killProcessesUnder(dir));
  }
  await step('cgroups', () => removeCgroupRoot(resources.cgroupRoot));
  await step('shims', () => killShims(resources.containerdSocket, resources.containerdState));
  await step('cni cache', () => {
    removeCniCache(resources.containerdState, resources.networkName);
    return [];
  });
  await step('mounts', () => unmountAllUnder(resources.root));
  await step('bridge', () => deleteLink(resources.bridge));
  await step('log links', () => {
    removeLogLinksInto(resources.root);
    return [];
  });
  return problems;
}

/** Deletes a network interface if it exists (the CNI bridge outlives the Pods). */
export function deleteLink(name: string): string[] {
  if (!existsSync(`/sys/class/net/${name}`)) return [];
  try {
    execFileSync('ip', ['link', 'delete', name], { stdio: 'ignore' });
    return [];
  } catch (error) {
    return [`link ${name}: ${(error as Error).message}`];
  }
}

/** Removes the kubelet's links in /var/log/containers that point into `root`. */
export function removeLogLinksInto(root: string, folder = '/var/log/containers'): void {
  if (!existsSync(folder)) return;
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    try {
      if (lstatSync(path).isSymbolicLink() && readlinkSync(path).startsWith(`${root}/`)) rmSync(path);
    } catch {
      // removed meanwhile
    }
  }
}
