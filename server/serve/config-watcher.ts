/**
 * Reloads the configuration file when it changes (a ConfigMap volume swaps a `..data` symlink, so the directory is
 * watched, and polling backs the watch up). A new text that parses is handed to the listeners; one that does not is
 * logged and ignored: the process keeps running on the last good configuration.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/config.ts';
import { parseConfigText } from '../config/index.ts';
import { serializeReload } from '../config/serialized-reload.ts';
import { watchFileChanges } from '../config/watch-file-changes.ts';
import type { Logger } from '../log/logger.ts';

export type ConfigListener = (next: Config, previous: Config) => void;

export interface ConfigWatcher {
  /** Returns a function that removes the listener. */
  onConfigChange(listener: ConfigListener): () => void;
  /** Reads the file now; resolves true when that produced a change. */
  reload(): Promise<boolean>;
  current(): Config;
  close(): void;
}

export interface WatchConfigOptions {
  readonly path: string;
  readonly initial: Config;
  /** Applied to each new configuration (the command's flags keep winning over the file). */
  readonly transform?: ((config: Config) => Config) | undefined;
  readonly logger: Logger;
  /** Default 10 s. */
  readonly pollIntervalMs?: number | undefined;
  readonly useFsWatch?: boolean | undefined;
}

export function watchConfigFile(options: WatchConfigOptions): ConfigWatcher {
  const { path, logger } = options;
  const listeners = new Set<ConfigListener>();
  let config = options.initial;
  let lastText: string | undefined;
  let lastProblem: string | undefined;

  const readOnce = async (): Promise<boolean> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      report(`cannot read the configuration file (${error instanceof Error && 'code' in error ? error.code : error})`);
      return false;
    }
    if (text === lastText) return false;
    let next: Config;
    try {
      next = parseConfigText(text, path);
      if (options.transform) next = options.transform(next);
    } catch (error) {
      report((error as Error).message);
      return false;
    }
    lastText = text;
    lastProblem = undefined;
    // Compared as data, so a first read or a reformatted file is not a change.
    if (reloader.isClosed() || JSON.stringify(next) === JSON.stringify(config)) return false;
    const previous = config;
    config = next;
    logger.info({ path }, 'configuration reloaded');
    for (const listener of [...listeners]) {
      try {
        listener(next, previous);
      } catch (error) {
        logger.error({ err: error }, 'a configuration listener failed');
      }
    }
    return true;
  };

  const report = (problem: string): void => {
    if (problem === lastProblem) return;
    lastProblem = problem;
    logger.error({ path, problem }, 'configuration not reloaded; keeping the last good one');
  };

  const reloader = serializeReload(readOnce);
  const stopWatching = watchFileChanges([path], reloader.trigger, {
    pollIntervalMs: options.pollIntervalMs ?? 10_000,
    useFsWatch: options.useFsWatch,
  });

  return {
    onConfigChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    reload: reloader.reload,
    current: () => config,
    close() {
      reloader.close();
      stopWatching();
    },
  };
}
