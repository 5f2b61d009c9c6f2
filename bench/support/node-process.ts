/**
 * Node programs the benchmark runs as child processes (pullguard itself, the bare baseline server), so the load
 * generator never shares their event loop. Their output goes straight into a log file (the child holds the file
 * descriptor): piping it through this process would make the load generator pay for pullguard's log lines.
 * With a profile directory they run under `--cpu-prof`; the profile is written when the process exits normally
 * (SIGTERM → graceful close → exit).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../tests/harness/paths.ts';
import { type StartedProcess, waitUntilReady } from '../../tests/harness/process.ts';

export interface NodeProgram {
  readonly name: string;
  /** A path relative to the repository root. */
  readonly script: string;
  readonly args: readonly string[];
  readonly workDir: string;
  readonly profileDir?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Extra flags for node itself (e.g. `--max-old-space-size=…`). */
  readonly nodeFlags?: readonly string[] | undefined;
}

export function startNodeProgram(program: NodeProgram): StartedProcess {
  const profile =
    program.profileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${program.profileDir}`, `--cpu-prof-name=${program.name}-\${pid}.cpuprofile`];
  const logFile = join(program.workDir, `${program.name}.log`);
  const log = openSync(logFile, 'a');
  // process.execPath: the Node 24 that runs the benchmark (npm puts the `node` devDependency first on PATH).
  const child = spawn(
    process.execPath,
    [...(program.nodeFlags ?? []), ...profile, join(repoRoot, program.script), ...program.args],
    { env: { ...process.env, ...program.env }, cwd: repoRoot, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('exit', (code) => resolve(code));
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { name: program.name, pid: child.pid ?? -1, logFile, exited, stop };
}

export { waitUntilReady };
