/**
 * Negative cache and registry outage, against `pullguard serve --no-kube` and a real registry.
 *
 * 1. The same review naming 3 absent images, sent again and again: manifest requests per review after the first
 *    (target ~0: `absent` is cached for 30 s), and its latency vs a warm review of present images.
 * 2. The registry stopped (the harness keeps its port and storage): reviews of images pullguard has not seen
 *    answer fail-open (allowed, with a warning); their latency vs the warm review, and the registry requests
 *    pullguard attempted meanwhile (its own metrics: nothing reaches a stopped registry). Cached images keep
 *    their verdict. Then the registry is restarted and a new image resolves again.
 */
import { join } from 'node:path';
import { pushImage } from '../tests/harness/push.ts';
import { startRegistry } from '../tests/harness/registry.ts';
import { readSample } from './support/prometheus-text.ts';
import { accessSince, isManifestRequest } from './support/registry-figures.ts';
import { podReview } from './support/review-body.ts';
import { connectReviewClient, type ReviewAnswer, type ReviewClient } from './support/review-client.ts';
import { runFromCommandLine } from './support/runner.ts';
import type { Scenario, ScenarioContext } from './support/scenario.ts';
import { startPullguard, writeTlsFiles } from './support/servers.ts';
import { type LatencySummary, summarize } from './support/stats.ts';

const PATH = '/validate/enforce';

function isCleanAllow(answer: ReviewAnswer): boolean {
  return answer.status === 200 && answer.body.response?.allowed === true && !answer.body.response.warnings?.length;
}

function isDenial(answer: ReviewAnswer): boolean {
  return answer.status === 200 && answer.body.response?.allowed === false;
}

function isFailOpen(answer: ReviewAnswer): boolean {
  return answer.status === 200 && answer.body.response?.allowed === true && !!answer.body.response.warnings?.length;
}

/** Sends `count` reviews one after another (each a fresh uid); returns every answer. */
async function sendSequentially(
  client: ReviewClient,
  count: number,
  images: (index: number) => readonly string[],
): Promise<ReviewAnswer[]> {
  const answers: ReviewAnswer[] = [];
  for (let index = 0; index < count; index += 1) {
    const body = Buffer.from(
      JSON.stringify(podReview({ uid: `neg-${index}`, namespace: 'bench', name: `p-${index}`, images: images(index) })),
    );
    answers.push(await client.send(PATH, body));
  }
  return answers;
}

function expectAll(answers: readonly ReviewAnswer[], check: (answer: ReviewAnswer) => boolean, what: string): void {
  const wrong = answers.filter((answer) => !check(answer));
  if (wrong.length > 0) {
    throw new Error(`${wrong.length} of ${answers.length} answers were not ${what}: ${JSON.stringify(wrong[0]?.body)}`);
  }
}

function latencyOf(answers: readonly ReviewAnswer[]): LatencySummary {
  return summarize(answers.map((answer) => answer.ms));
}

async function run(context: ScenarioContext): Promise<void> {
  const repeats = context.quick ? 50 : 500;
  const registry = await startRegistry({ auth: 'none' });
  context.defer(() => registry.stop());
  const present: string[] = [];
  for (const repository of ['neg/api', 'neg/worker', 'neg/cron']) {
    await pushImage(registry, { repository, tag: 'v1' });
    present.push(`${registry.host}/${repository}:v1`);
  }
  // Two repositories that do not exist (NAME_UNKNOWN) and a tag that does not (MANIFEST_UNKNOWN).
  const absent = [`${registry.host}/neg/gone:v1`, `${registry.host}/neg/typo:v1`, `${registry.host}/neg/api:v2`];

  const tls = writeTlsFiles(join(context.workDir, 'tls'));
  const pullguard = await startPullguard(context, { tls, insecureRegistries: [registry.host] });
  const client = connectReviewClient(pullguard.origin, tls.caPem);
  context.defer(() => client.close());

  // Baseline: the same sequence of reviews for present images, all from the cache.
  expectAll(await sendSequentially(client, 1, () => present), isCleanAllow, 'a clean allow (warm-up)');
  const warm = await sendSequentially(client, repeats, () => present);
  expectAll(warm, isCleanAllow, 'a clean allow (warm)');
  const warmLatency = latencyOf(warm);

  // 1. Negative cache.
  let mark = (await registry.settledAccessLog()).length;
  expectAll(await sendSequentially(client, 1, () => absent), isDenial, 'a denial (first absent review)');
  const firstRequests = (await accessSince(registry, mark)).filter(isManifestRequest).length;
  mark = (await registry.settledAccessLog()).length;
  const repeated = await sendSequentially(client, repeats, () => absent);
  expectAll(repeated, isDenial, 'a denial (repeated absent review)');
  const repeatedRequests = (await accessSince(registry, mark)).filter(isManifestRequest).length;
  const negativeLatency = latencyOf(repeated);
  const absentLabel = `${absent.length} absent images`;
  context.record({
    metric: `manifest requests, first review (${absentLabel})`,
    value: firstRequests,
    unit: 'requests',
  });
  context.record({
    metric: `manifest requests per review, next ${repeats} (${absentLabel})`,
    value: repeatedRequests / repeats,
    unit: 'per review',
    target: { kind: 'max', limit: 0.01 },
  });
  context.record({
    metric: 'p50, repeated absent review vs warm present review',
    value: negativeLatency.p50,
    unit: 'ms',
    baseline: warmLatency.p50,
  });
  context.record({
    metric: 'p99, repeated absent review vs warm present review',
    value: negativeLatency.p99,
    unit: 'ms',
    baseline: warmLatency.p99,
  });

  // 2. Outage.
  const errorsBefore = readSample(await pullguard.metrics(), 'pullguard_registry_requests_total', { status: 'error' });
  const stopped = await registry.stopTemporarily();
  let restarted = false;
  context.defer(async () => {
    if (!restarted) await stopped.restart().catch(() => undefined);
  });
  const outageCount = Math.max(20, Math.floor(repeats / 5));
  const unseen = (index: number): string[] => [`${registry.host}/neg/new-${index}:v1`];
  const failOpen = await sendSequentially(client, outageCount, unseen);
  expectAll(failOpen, isFailOpen, 'allowed with a warning (fail-open)');
  const cachedDuringOutage = await sendSequentially(client, outageCount, () => present);
  expectAll(cachedDuringOutage, isCleanAllow, 'a clean allow (cached image during the outage)');
  const errorsAfter = readSample(await pullguard.metrics(), 'pullguard_registry_requests_total', { status: 'error' });
  const failOpenLatency = latencyOf(failOpen);
  context.record({
    metric: `p50, fail-open review (registry down, ${outageCount} new images) vs warm`,
    value: failOpenLatency.p50,
    unit: 'ms',
    baseline: warmLatency.p50,
  });
  context.record({
    metric: `p99, fail-open review (registry down, ${outageCount} new images) vs warm`,
    value: failOpenLatency.p99,
    unit: 'ms',
    baseline: warmLatency.p99,
  });
  context.record({
    metric: 'registry requests attempted per fail-open review (pullguard metrics)',
    value: (errorsAfter - errorsBefore) / outageCount,
    unit: 'per review',
  });
  context.record({
    metric: 'p99, cached present review during the outage vs warm',
    value: latencyOf(cachedDuringOutage).p99,
    unit: 'ms',
    baseline: warmLatency.p99,
  });

  // Recovery: a new image resolves once the registry is back.
  await stopped.restart();
  restarted = true;
  await pushImage(registry, { repository: 'neg/after', tag: 'v1' });
  const recovered = await sendSequentially(client, 1, () => [`${registry.host}/neg/after:v1`]);
  expectAll(recovered, isCleanAllow, 'a clean allow after the restart');
  context.record({
    metric: 'first review of a new image after the restart',
    value: recovered[0]?.ms ?? Number.NaN,
    unit: 'ms',
  });
}

export const negativeAndOutage: Scenario = {
  name: 'negative-and-outage',
  description: 'repeated reviews of absent images (negative cache), then reviews while the registry is down',
  run,
};

if (import.meta.main) process.exitCode = await runFromCommandLine([negativeAndOutage], process.argv.slice(2));
