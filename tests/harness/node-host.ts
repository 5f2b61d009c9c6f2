/**
 * What a test node changes on the host outside its temporary root, recorded before the first node starts and put
 * back when the last one stops: the kernel settings the kubelet rewrites (kernel.panic*, vm.overcommit_memory …)
 * and the folders the kubelet and containerd create at fixed paths. Several nodes may run at once (parallel test
 * files), so the record is one file shared under a lock, with the nodes that hold it; holders whose process died
 * are dropped, and the original values survive a crashed run.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireFileLock } from './go-build-lock.ts';
import { clearNode, currentMountsUnder, type NodeResources } from './node-cleanup.ts';

/** The sysctls the kubelet's container manager sets (setupKernelTunables), as /proc/sys paths. */
export const kubeletSysctls = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];

/**
 * Folders at fixed paths: the kubelet's container-log links and device-plugin socket, the shims' sockets, libcni's
 * result cache. Children before parents.
 */
export const fixedFolders = [
  '/var/log/containers',
  '/var/lib/cni/results',
  '/var/lib/cni',
  '/var/lib/kubelet/device-plugins',
  '/var/lib/kubelet',
  '/run/containerd/s',
  '/run/containerd',
];

interface Holder {
  id: string;
  pid: number;
  /** The node's footprint, so that a later node can clear it if this holder's process died without stopping it. */
  resources?: NodeResources | undefined;
}

export interface HostRecord {
  holders: Holder[];
  sysctls: Record<string, string>;
  /** Folders that did not exist before the first node: removed (when empty) after the last. */
  createdFolders: string[];
}

const recordDir = join(tmpdir(), 'pullguard-node-host');
const recordFile = join(recordDir, 'record.json');
const lockFile = join(recordDir, 'record.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readRecord(): HostRecord | undefined {
  if (!existsSync(recordFile)) return undefined;
  return JSON.parse(readFileSync(recordFile, 'utf8')) as HostRecord;
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function withRecordLock<T>(fn: () => T): Promise<T> {
  mkdirSync(recordDir, { recursive: true });
  const release = await acquireFileLock(lockFile, { timeoutMs: 60_000, description: 'the test-node host record' });
  try {
    return fn();
  } finally {
    release();
  }
}

/** The current record (holders and originals), if any node holds the host. */
export function readHostRecord(): HostRecord | undefined {
  return readRecord();
}

/**
 * Records the host's state (unless a record exists: then it already holds the originals) and joins its holders.
 * Holders whose process died (a run killed before its teardown) are dropped, and what their nodes left is cleared.
 */
export async function claimHost(id: string, resources?: NodeResources): Promise<string[]> {
  const dead = await withRecordLock(() => {
    const existing = readRecord();
    const record: HostRecord = existing ?? {
      holders: [],
      sysctls: Object.fromEntries(
        kubeletSysctls.flatMap((name) => {
          const value = readSysctl(name);
          return value === undefined ? [] : [[name, value]];
        }),
      ),
      createdFolders: fixedFolders.filter((folder) => !existsSync(folder)),
    };
    const gone = record.holders.filter((holder) => !isAlive(holder.pid));
    record.holders = [...record.holders.filter((holder) => isAlive(holder.pid)), { id, pid: process.pid, resources }];
    writeFileSync(recordFile, JSON.stringify(record, null, 2));
    return gone;
  });
  const problems: string[] = [];
  for (const holder of dead) {
    if (!holder.resources) continue;
    console.error(`[harness] clearing node ${holder.id} left by process ${holder.pid}, which died without stopping it`);
    problems.push(...(await clearNode(holder.resources)));
    for (const dir of [holder.resources.root, ...(holder.resources.ownedDirs ?? [])]) {
      if (currentMountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
    }
  }
  return problems;
}

/** Leaves the holders; the last one out restores the sysctls and removes the folders the nodes created. */
export function releaseHost(id: string): Promise<string[]> {
  return withRecordLock(() => {
    const record = readRecord();
    if (!record) return [];
    record.holders = record.holders.filter((holder) => holder.id !== id && isAlive(holder.pid));
    if (record.holders.length > 0) {
      writeFileSync(recordFile, JSON.stringify(record, null, 2));
      return [];
    }
    const problems = restoreHost(record);
    rmSync(recordFile, { force: true });
    return problems;
  });
}

/** Puts the recorded state back; returns what could not be (never throws: a stop must go on). */
export function restoreHost(record: Pick<HostRecord, 'sysctls' | 'createdFolders'>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(record.sysctls)) {
    if (readSysctl(name) === value) continue;
    try {
      writeFileSync(`/proc/sys/${name}`, value);
    } catch (error) {
      problems.push(`sysctl ${name}: ${(error as Error).message}`);
    }
  }
  for (const folder of record.createdFolders) {
    if (!existsSync(folder)) continue;
    try {
      // Stale sockets (the kubelet's device-plugin socket, shim sockets) are all a created folder may still hold.
      for (const entry of readdirSync(folder)) {
        const path = join(folder, entry);
        if (lstatSync(path).isSocket()) rmSync(path, { force: true });
      }
      rmdirSync(folder);
    } catch (error) {
      problems.push(`${folder}: ${(error as Error).message}`);
    }
  }
  return problems;
}
