/**
 * Node programs the benchmark runs as child processes (pullguard itself, the bare baseline server), so the load
 * generator never shares their event loop. With a profile directory they run under `--cpu-prof`; the profile is
 * written when the process exits normally (SIGTERM → graceful close → exit).
 */
import { join } from 'node:path';
import { repoRoot } from '../../tests/harness/paths.ts';
import { type StartedProcess, startProcess, waitUntilReady } from '../../tests/harness/process.ts';

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
  return startProcess({
    name: program.name,
    // process.execPath: the Node 24 that runs the benchmark (npm puts the `node` devDependency first on PATH).
    command: process.execPath,
    args: [...(program.nodeFlags ?? []), ...profile, join(repoRoot, program.script), ...program.args],
    logFile: join(program.workDir, `${program.name}.log`),
    env: { ...process.env, ...program.env },
    cwd: repoRoot,
  });
}

export { waitUntilReady };
