/**
 * `npm run bench [-- --quick] [-- --cpu-prof] [SCENARIO...]`: runs the benchmark scenarios (one file each in bench/)
 * in sequence and prints one markdown table with every figure, its same-run baseline, the ratio and the target
 * from DESIGN.md §9. Exits 1 when a scenario failed to run (a missed target is reported, not an error).
 */
import { coldBurst } from './cold-burst.ts';
import { controllerScale } from './controller-scale.ts';
import { negativeAndOutage } from './negative-and-outage.ts';
import { runFromCommandLine } from './support/runner.ts';
import { warmAdmission } from './warm-admission.ts';

process.exitCode = await runFromCommandLine(
  [warmAdmission, coldBurst, negativeAndOutage, controllerScale],
  process.argv.slice(2),
);
