/** What a benchmark scenario is given and gives back. One file per scenario in bench/, run by bench/run.ts. */
import type { ResultRow } from './results.ts';

export interface ScenarioContext {
  /** `--quick`: short durations and small sizes, for CI (figures are then only a smoke test). */
  readonly quick: boolean;
  /** `--cpu-prof`: where child Node processes write their CPU profiles (undefined: no profiling). */
  readonly profileDir: string | undefined;
  /** A fresh directory for this scenario's files (configs, certificates, logs); kept when the run fails. */
  readonly workDir: string;
  /** A progress line (stderr, so the table on stdout stays clean). */
  log(line: string): void;
  /** Records one figure; rows recorded before a failure are kept. */
  record(row: Omit<ResultRow, 'scenario'>): void;
  /** Runs `cleanup` when the scenario ends, however it ends (last registered runs first). */
  defer(cleanup: () => Promise<unknown> | unknown): void;
}

export interface Scenario {
  /** The file's name without `.ts`, as given on the command line. */
  readonly name: string;
  /** One line: what is measured and against which baseline. */
  readonly description: string;
  run(context: ScenarioContext): Promise<void>;
}
