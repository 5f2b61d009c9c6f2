/**
 * Calls `onChange` whenever files may have changed. Their directories are watched rather than the files: Kubernetes
 * updates a mounted ConfigMap or Secret by writing a new timestamped folder and swapping the `..data` symlink.
 * Polling backs the watch up, because fs.watch misses events on some file systems. Calls are hints, not proof of a
 * change: the caller reads and compares.
 */
import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';

export interface WatchFileChangesOptions {
  pollIntervalMs: number;
  /** Watch the directories with fs.watch (default true); polling runs either way. */
  useFsWatch?: boolean | undefined;
}

/** Returns a function that stops watching and polling. */
export function watchFileChanges(
  paths: readonly string[],
  onChange: () => void,
  options: WatchFileChangesOptions,
): () => void {
  const watchers: FSWatcher[] = [];
  if (options.useFsWatch ?? true) {
    for (const directory of new Set(paths.map((path) => dirname(path)))) {
      try {
        const watcher = watch(directory, { persistent: false }, () => onChange());
        // A watch that breaks (directory removed, too many watches) leaves polling to do the work.
        watcher.on('error', () => watcher.close());
        watchers.push(watcher);
      } catch {
        // Same: polling covers it.
      }
    }
  }
  const timer = setInterval(onChange, options.pollIntervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    for (const watcher of watchers) watcher.close();
  };
}
