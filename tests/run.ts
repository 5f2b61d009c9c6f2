/**
 * `npm test`: lint, typecheck, then every test tier (unit → integration → e2e) with tap, and a closing
 * `N passed, N failed` line counted from tap's saved per-file results (CI reads that line, not tap's summary).
 * `npm test -- FILE…` runs only the named test files.
 */
import { spawn } from 'node:child_process';
import { existsSync, globSync, readFileSync, rmSync } from 'node:fs';
import { Parser } from 'tap-parser';
import { startSharedComponents } from './harness/shared.ts';

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

const tally: Tally = { passed: 0, failed: 0, skipped: 0, failures: [] };
const tiers = ['unit', 'integration', 'e2e'] as const;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function check(name: string, command: string, args: string[]): Promise<void> {
  console.log(`\n== ${name}: ${command} ${args.join(' ')}`);
  const code = await run(command, args);
  if (code === 0) tally.passed += 1;
  else {
    tally.failed += 1;
    tally.failures.push(name);
  }
}

function countFile(file: string): void {
  const resultFile = `.tap/test-results/${file}.tap`;
  if (!existsSync(resultFile)) {
    tally.failed += 1;
    tally.failures.push(`${file} (no results: the file did not run)`);
    return;
  }
  const parser = new Parser();
  let final: { pass: number; fail: number; skip: number; todo: number; ok: boolean; bailout: unknown } | undefined;
  parser.on('complete', (results) => {
    final = results;
  });
  parser.end(readFileSync(resultFile, 'utf8'));
  if (!final) throw new Error(`tap-parser gave no result for ${file}`);
  tally.passed += final.pass - final.skip - final.todo;
  tally.skipped += final.skip + final.todo;
  const failed = final.fail > 0 ? final.fail : final.ok ? 0 : 1;
  tally.failed += failed;
  if (failed > 0) tally.failures.push(file);
}

async function runTap(files: string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (files.length === 0) return;
  for (const file of files) rmSync(`.tap/test-results/${file}.tap`, { force: true });
  const reporter = process.env.PULLGUARD_TAP_REPORTER ?? 'terse';
  await run('tap', ['run', `--reporter=${reporter}`, ...files], env);
  for (const file of files) countFile(file);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  // tap builds its plugin loader on first use; in a fresh clone, test files started during that build die silently.
  if ((await run('tap', ['build'])) !== 0) throw new Error('tap build failed');
  if (only.length > 0) {
    const shared = await startSharedComponents(only);
    try {
      await runTap(only, { ...process.env, ...shared.env });
    } finally {
      await shared.stop();
    }
  } else {
    await check('lint', 'biome', ['check', '.']);
    await check('typecheck', 'tsc', ['--noEmit']);
    for (const tier of tiers) {
      const files = globSync(`tests/${tier}/**/*.test.ts`).sort();
      console.log(`\n== ${tier}: ${files.length} files`);
      const shared = await startSharedComponents(files);
      try {
        await runTap(files, { ...process.env, ...shared.env });
      } finally {
        await shared.stop();
      }
    }
  }
  if (tally.failures.length > 0) console.log(`\nFailed: ${tally.failures.join(', ')}`);
  const skipped = tally.skipped > 0 ? `, ${tally.skipped} skipped` : '';
  console.log(`${tally.passed} passed, ${tally.failed} failed${skipped}`);
  process.exitCode = tally.failed > 0 ? 1 : 0;
}

await main();
