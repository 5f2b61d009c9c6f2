import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Built binaries (kube-apiserver, etcd, …) are cached in a git-ignored folder: `.cache/` in the repository, or
 * PULLGUARD_CACHE_DIR when set (CI clones afresh, so it points this at a folder that outlives the clone).
 */
export function cacheDir(...parts: string[]): string {
  const base = process.env.PULLGUARD_CACHE_DIR ?? join(repoRoot, '.cache');
  const dir = join(base, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh temporary directory with a recognisable prefix. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `pullguard-${prefix}-`));
}
