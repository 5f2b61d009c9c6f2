import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { eventually, GiveUp } from './eventually.ts';

export interface StartedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a long-running component with its output in a log file; the caller stops it by its own PID. */
export function startProcess(options: StartOptions): StartedProcess {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child: ChildProcess = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      log.write(`\n[harness] failed to start ${options.command}: ${error.message}\n`);
      resolve(null);
    });
    child.on('exit', (code) => resolve(code));
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => log.end(resolve));
    })();
    return stopping;
  };
  return { name: options.name, pid: child.pid ?? -1, logFile: options.logFile, exited, stop };
}

/** Waits until `probe` succeeds; fails early (with the log's tail in the message) if the process exits first. */
export async function waitUntilReady(
  process: StartedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let exitCode: number | null | undefined;
  void process.exited.then((code) => {
    exitCode = code;
  });
  await eventually(
    async () => {
      if (exitCode !== undefined) throw new GiveUp(`${process.name} exited with ${exitCode}; see ${process.logFile}`);
      return (await probe()) ? true : undefined;
    },
    { timeoutMs, intervalMs: 100, description: `${process.name} to become ready (log: ${process.logFile})` },
  );
}
