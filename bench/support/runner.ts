/**
 * Runs scenarios one after another: each gets its own work directory and cleanup list, a failing scenario is
 * recorded as a FAILED row and the next one still runs. Prints the machine first, each scenario's figures as they
 * come, and one markdown table at the end.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tempDir } from '../../tests/harness/paths.ts';
import { describeMachine, formatMachine } from './machine.ts';
import { type CpuProfile, formatProfileSummary, summarizeProfile } from './profile-summary.ts';
import { errorRow, type ResultRow } from './results.ts';
import type { Scenario, ScenarioContext } from './scenario.ts';
import { describeRow, renderMarkdownTable } from './table.ts';

export interface RunOptions {
  readonly quick: boolean;
  readonly profileDir: string | undefined;
}

export interface RunOutcome {
  readonly rows: ResultRow[];
  /** Scenarios that threw (their cause is in a FAILED row). */
  readonly failed: string[];
}

type Cleanup = () => Promise<unknown> | unknown;

/** Cleanups of the scenario that is running, so an interrupt (Ctrl-C) can still stop what it started. */
let pendingCleanups: Cleanup[] = [];

async function runCleanups(cleanups: Cleanup[], log: (line: string) => void): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup?.();
    } catch (error) {
      log(`cleanup failed: ${(error as Error).message}`);
    }
  }
}

export async function runScenario(
  scenario: Scenario,
  options: RunOptions,
): Promise<{ rows: ResultRow[]; ok: boolean }> {
  const rows: ResultRow[] = [];
  const workDir = tempDir(`bench-${scenario.name}`);
  const log = (line: string): void => {
    process.stderr.write(`[${scenario.name}] ${line}\n`);
  };
  const cleanups: Cleanup[] = [];
  pendingCleanups = cleanups;
  const context: ScenarioContext = {
    quick: options.quick,
    profileDir: options.profileDir,
    workDir,
    log,
    record: (row) => {
      const full = { scenario: scenario.name, ...row };
      rows.push(full);
      log(describeRow(full));
    },
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
  };
  const started = performance.now();
  log(`${scenario.description}${options.quick ? ' (quick)' : ''}`);
  let ok = true;
  try {
    await scenario.run(context);
  } catch (error) {
    ok = false;
    rows.push(errorRow(scenario.name, 'scenario', error));
    log(`FAILED: ${(error as Error).stack ?? String(error)}`);
  } finally {
    await runCleanups(cleanups, log);
    pendingCleanups = [];
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (ok && !process.env.PULLGUARD_KEEP_TEMP) rmSync(workDir, { recursive: true, force: true });
  else log(`files kept in ${workDir}`);
  return { rows, ok };
}

export async function runScenarios(scenarios: readonly Scenario[], options: RunOptions): Promise<RunOutcome> {
  const rows: ResultRow[] = [];
  const failed: string[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, options);
    rows.push(...result.rows);
    if (!result.ok) failed.push(scenario.name);
    if (result.rows.length > 0) process.stdout.write(`\n${renderMarkdownTable(result.rows)}\n\n`);
  }
  return { rows, failed };
}

export const benchUsage = (
  names: readonly string[],
): string => `Usage: npm run bench -- [--quick] [--cpu-prof] [SCENARIO...]

Scenarios (all when none is named): ${names.join(', ')}
  --quick      short durations and small sizes (a smoke test CI may run; no assertions on times)
  --cpu-prof   run the pullguard processes under node --cpu-prof; profiles go to bench/.profiles/`;

/** Where each child process spent its time (`npx node bench/support/profile-summary.ts FILE` shows more). */
function printProfiles(dir: string): void {
  process.stdout.write(`\nCPU profiles: ${dir}\n`);
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    process.stdout.write(`\n${file}\n${formatProfileSummary(summarizeProfile(profile, 12))}\n`);
  }
}

/** The command line of bench/run.ts and of each scenario file run on its own. */
export async function runFromCommandLine(all: readonly Scenario[], argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const names = all.map((scenario) => scenario.name);
  if (values.help) {
    process.stdout.write(`${benchUsage(names)}\n`);
    return 0;
  }
  const unknown = positionals.filter((name) => !names.includes(name.replace(/\.ts$/, '')));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario ${unknown.join(', ')}\n\n${benchUsage(names)}\n`);
    return 2;
  }
  const chosen =
    positionals.length === 0
      ? all
      : all.filter((scenario) => positionals.some((n) => n.replace(/\.ts$/, '') === scenario.name));
  let profileDir: string | undefined;
  if (values['cpu-prof']) {
    profileDir = join(import.meta.dirname, '..', '.profiles', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(profileDir, { recursive: true });
  }

  const machine = describeMachine();
  process.stdout.write(`pullguard benchmarks${values.quick ? ' (--quick)' : ''}\nMachine: ${formatMachine(machine)}\n`);
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping what the running scenario started\n`);
    void runCleanups(pendingCleanups, (line) => process.stderr.write(`${line}\n`)).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const outcome = await runScenarios(chosen, { quick: values.quick, profileDir });
  process.stdout.write(`\n## Summary\n\nMachine: ${formatMachine(machine)}\n\n${renderMarkdownTable(outcome.rows)}\n`);
  if (profileDir !== undefined) printProfiles(profileDir);
  if (outcome.failed.length > 0) {
    process.stdout.write(`\nFailed scenarios: ${outcome.failed.join(', ')}\n`);
    return 1;
  }
  return 0;
}
