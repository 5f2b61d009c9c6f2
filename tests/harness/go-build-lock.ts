import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { eventually } from './eventually.ts';

export interface LockOptions {
  /** How long to wait for another process to release the lock. */
  timeoutMs: number;
  description: string;
}

/**
 * Takes an exclusive lock file (created with O_EXCL, holding our PID) and returns its release function. A lock
 * whose owner has died is taken over, so a build killed half-way does not block later runs.
 */
export async function acquireFileLock(path: string, options: LockOptions): Promise<() => void> {
  await eventually(() => (tryLock(path) ? true : undefined), {
    timeoutMs: options.timeoutMs,
    intervalMs: 1000,
    description: `${options.description} (lock ${path} held by PID ${readOwner(path) ?? '?'})`,
  });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (readOwner(path) === process.pid) rmSync(path, { force: true });
  };
}

function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = readOwner(path);
  // An empty file means its owner is between open and write: wait for it rather than steal it.
  if (owner !== undefined && !isAlive(owner)) rmSync(path, { force: true });
  return false;
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
