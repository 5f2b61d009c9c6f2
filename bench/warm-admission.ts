/**
 * Warm admission: a Pod CREATE review naming 3 images that are all in pullguard's cache, answered by
 * `pullguard serve --no-kube` (a child process), against a bare Fastify TLS server that parses the same review and
 * answers `allowed: true` (bench/support/bare-server.ts), measured in the same run at the same rates.
 *
 * Loads: autocannon over HTTP/1.1 keep-alive, 10 connections, at its maximum and at overallRate 100/500/1000;
 * then an even (paced) HTTP/2 load at the same rates. Each configuration runs in short slices alternating between
 * pullguard and the baseline, so both see the same background load on a shared machine.
 *
 * Targets (DESIGN.md §9): p99 and throughput within 1.5× of the baseline; p99 < 5 ms at 500/s (indicative: the
 * load generator shares the machine's cores with the servers).
 */
import { join } from 'node:path';
import { pushImage } from '../tests/harness/push.ts';
import { startRegistry } from '../tests/harness/registry.ts';
import { type LoadResult, type LoadSummary, runAutocannon, runPaced, summarizeLoad } from './support/load.ts';
import { readCpuSeconds } from './support/proc-status.ts';
import { podReview } from './support/review-body.ts';
import { connectReviewClient } from './support/review-client.ts';
import { runFromCommandLine } from './support/runner.ts';
import type { Scenario, ScenarioContext } from './support/scenario.ts';
import { type RunningServer, startBareServer, startPullguard, writeTlsFiles } from './support/servers.ts';

const PATH = '/validate/enforce';
const RATES = [100, 500, 1000] as const;
const CONNECTIONS = 10;

interface Sizes {
  /** Seconds of one slice; each configuration runs `rounds` slices per server. */
  readonly sliceSeconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
}

function sizesFor(quick: boolean): Sizes {
  return quick ? { sliceSeconds: 1, rounds: 1, warmupSeconds: 1 } : { sliceSeconds: 3, rounds: 3, warmupSeconds: 3 };
}

type Load = (server: RunningServer, seconds: number) => Promise<LoadResult>;

/** Runs `load` against both servers in alternating slices; returns pullguard's and the baseline's pooled figures. */
async function compare(
  servers: { pullguard: RunningServer; baseline: RunningServer },
  load: Load,
  sizes: Sizes,
): Promise<{ pullguard: LoadSummary; baseline: LoadSummary }> {
  const ours: LoadResult[] = [];
  const theirs: LoadResult[] = [];
  for (let round = 0; round < sizes.rounds; round += 1) {
    // Alternate who goes first, so neither always runs right after the other's load.
    const order = round % 2 === 0 ? (['pullguard', 'baseline'] as const) : (['baseline', 'pullguard'] as const);
    for (const which of order) {
      const server = servers[which];
      const cpuBefore = readCpuSeconds(server.process.pid);
      const result = await load(server, sizes.sliceSeconds);
      const serverCpuSeconds = readCpuSeconds(server.process.pid) - cpuBefore;
      (which === 'pullguard' ? ours : theirs).push({ ...result, serverCpuSeconds });
    }
  }
  return { pullguard: summarizeLoad(ours), baseline: summarizeLoad(theirs) };
}

function checkFailures(label: string, figures: { pullguard: LoadSummary; baseline: LoadSummary }): void {
  for (const [which, summary] of Object.entries(figures)) {
    if (summary.answered === 0) throw new Error(`${label}: ${which} answered no request`);
    if (summary.failures > 0) throw new Error(`${label}: ${which} had ${summary.failures} failed requests`);
  }
}

async function run(context: ScenarioContext): Promise<void> {
  const sizes = sizesFor(context.quick);
  const registry = await startRegistry({ auth: 'none' });
  context.defer(() => registry.stop());
  const images: string[] = [];
  for (const repository of ['bench/api', 'bench/sidecar', 'bench/init']) {
    await pushImage(registry, { repository, tag: 'v1' });
    images.push(`${registry.host}/${repository}:v1`);
  }
  const tls = writeTlsFiles(join(context.workDir, 'tls'));
  const baseline = await startBareServer(context, tls);
  const pullguard = await startPullguard(context, { tls, insecureRegistries: [registry.host] });
  const servers = { pullguard, baseline };
  const body = JSON.stringify(podReview({ uid: 'bench-warm', namespace: 'bench', name: 'web', images }));

  // Warm the cache, and make sure the review is what we think it is: allowed, every image present.
  const client = connectReviewClient(pullguard.origin, tls.caPem);
  context.defer(() => client.close());
  const first = await client.send(PATH, Buffer.from(body));
  if (first.status !== 200 || first.body.response?.allowed !== true || (first.body.response.warnings ?? []).length) {
    throw new Error(`the warm-up review was not a clean allow: ${first.status} ${JSON.stringify(first.body)}`);
  }
  const registryBefore = (await registry.settledAccessLog()).length;
  context.log(`cache warm (${images.length} images); review body ${body.length} bytes`);

  const autocannonLoad =
    (overallRate?: number): Load =>
    (server, seconds) =>
      runAutocannon({
        origin: server.origin,
        path: PATH,
        body,
        caPem: tls.caPem,
        connections: CONNECTIONS,
        durationSeconds: seconds,
        overallRate,
      });
  const pacedLoad =
    (rate: number): Load =>
    (server, seconds) =>
      runPaced({ origin: server.origin, path: PATH, body, caPem: tls.caPem, rate, durationSeconds: seconds });

  // JIT warm-up of both servers (not recorded).
  await compare(servers, autocannonLoad(), { ...sizes, sliceSeconds: sizes.warmupSeconds, rounds: 1 });

  const max = await compare(servers, autocannonLoad(), sizes);
  checkFailures('autocannon at maximum', max);
  const maxLabel = `autocannon, ${CONNECTIONS} conn, max`;
  context.record({
    metric: `throughput (${maxLabel})`,
    value: max.pullguard.throughput,
    unit: 'req/s',
    baseline: max.baseline.throughput,
    target: { kind: 'ratio-min', limit: Number((1 / 1.5).toFixed(2)) },
  });
  context.record({
    metric: `server CPU per review (${maxLabel})`,
    value: max.pullguard.cpuMsPerRequest,
    unit: 'ms',
    baseline: max.baseline.cpuMsPerRequest,
    target: { kind: 'ratio-max', limit: 1.5 },
  });
  context.record({
    metric: `p50 (${maxLabel})`,
    value: max.pullguard.latency.p50,
    unit: 'ms',
    baseline: max.baseline.latency.p50,
  });
  context.record({
    metric: `p99 (${maxLabel})`,
    value: max.pullguard.latency.p99,
    unit: 'ms',
    baseline: max.baseline.latency.p99,
    target: { kind: 'ratio-max', limit: 1.5 },
  });

  for (const rate of RATES) {
    const figures = await compare(servers, autocannonLoad(rate), sizes);
    checkFailures(`autocannon at ${rate}/s`, figures);
    const label = `autocannon, ${CONNECTIONS} conn, ${rate}/s`;
    context.record({
      metric: `p50 (${label})`,
      value: figures.pullguard.latency.p50,
      unit: 'ms',
      baseline: figures.baseline.latency.p50,
    });
    context.record({
      metric: `p99 (${label})`,
      value: figures.pullguard.latency.p99,
      unit: 'ms',
      baseline: figures.baseline.latency.p99,
      target: { kind: 'ratio-max', limit: 1.5 },
    });
    if (rate === 500) {
      context.record({
        metric: `p99 (${label}), absolute`,
        value: figures.pullguard.latency.p99,
        unit: 'ms',
        target: { kind: 'max', limit: 5 },
      });
    }
    if (figures.pullguard.throughput < rate * 0.95) {
      context.record({
        metric: `achieved rate (${label})`,
        value: figures.pullguard.throughput,
        unit: 'req/s',
        baseline: figures.baseline.throughput,
      });
    }
  }

  for (const rate of RATES) {
    const figures = await compare(servers, pacedLoad(rate), sizes);
    checkFailures(`paced at ${rate}/s`, figures);
    const label = `paced HTTP/2, ${rate}/s`;
    context.record({
      metric: `p50 (${label})`,
      value: figures.pullguard.latency.p50,
      unit: 'ms',
      baseline: figures.baseline.latency.p50,
    });
    context.record({
      metric: `p99 (${label})`,
      value: figures.pullguard.latency.p99,
      unit: 'ms',
      baseline: figures.baseline.latency.p99,
      target: { kind: 'ratio-max', limit: 1.5 },
    });
    if (rate === 500) {
      context.record({
        metric: `p99 (${label}), absolute`,
        value: figures.pullguard.latency.p99,
        unit: 'ms',
        target: { kind: 'max', limit: 5 },
      });
    }
  }

  const registryAfter = (await registry.settledAccessLog()).length;
  context.record({
    metric: 'registry requests during the warm runs (tag TTL 300 s)',
    value: registryAfter - registryBefore,
    unit: 'requests',
  });
}

export const warmAdmission: Scenario = {
  name: 'warm-admission',
  description: 'warm-cache reviews (3 images) by pullguard serve vs a bare Fastify TLS endpoint, same rates',
  run,
};

if (import.meta.main) process.exitCode = await runFromCommandLine([warmAdmission], process.argv.slice(2));
