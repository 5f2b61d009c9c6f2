/**
 * Cold burst and coalescing: 500 reviews sent at once (HTTP/2 streams on one connection, as kube-apiserver would),
 * each a Pod naming the same 20 images pullguard has never seen, against a fresh `pullguard serve --no-kube`.
 * Counted at the registry: manifest requests (target: exactly 20) and, in the token-auth variant, token requests
 * per repository scope (target: at most 1). Latency is compared with one manifest HEAD to the same registry and
 * with the same burst sent again once every image is cached.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushImage } from '../tests/harness/push.ts';
import { type RegistryAuthMode, startRegistry } from '../tests/harness/registry.ts';
import { readSample } from './support/prometheus-text.ts';
import {
  accessSince,
  countTokenRequests,
  isManifestRequest,
  measureHeadRoundTrip,
} from './support/registry-figures.ts';
import { podReview } from './support/review-body.ts';
import { connectReviewClient, type ReviewAnswer } from './support/review-client.ts';
import { runFromCommandLine } from './support/runner.ts';
import type { Scenario, ScenarioContext } from './support/scenario.ts';
import { startPullguard, type TlsFiles, writeTlsFiles } from './support/servers.ts';
import { summarize } from './support/stats.ts';

const PATH = '/validate/enforce';
const IMAGE_COUNT = 20;

interface Variant {
  readonly auth: RegistryAuthMode;
  readonly label: string;
}

const VARIANTS: readonly Variant[] = [
  { auth: 'none', label: 'no auth' },
  { auth: 'token', label: 'token auth' },
];

async function runVariant(context: ScenarioContext, variant: Variant, tls: TlsFiles, reviews: number): Promise<void> {
  const registry = await startRegistry({ auth: variant.auth });
  context.defer(() => registry.stop());
  const repositories = Array.from({ length: IMAGE_COUNT }, (_, index) => `burst/app-${String(index).padStart(2, '0')}`);
  await Promise.all(repositories.map((repository) => pushImage(registry, { repository, tag: 'v1' })));
  const images = repositories.map((repository) => `${registry.host}/${repository}:v1`);

  let dockerConfigFile: string | undefined;
  const user = registry.users[0];
  if (user !== undefined) {
    // pullguard's own credentials (never printed): the registry needs them for a token.
    dockerConfigFile = join(context.workDir, `docker-config-${variant.auth}.json`);
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    writeFileSync(dockerConfigFile, JSON.stringify({ auths: { [registry.host]: { auth } } }), { mode: 0o600 });
  }
  const head = await measureHeadRoundTrip(registry, repositories[0] ?? '', 'v1', 20);

  const pullguard = await startPullguard(context, {
    tls,
    insecureRegistries: [registry.host],
    dockerConfigFile,
    name: `pullguard-${variant.auth}`,
  });
  const client = connectReviewClient(pullguard.origin, tls.caPem);
  context.defer(() => client.close());
  // Open the connection first (a review with no images), so the burst measures reviews, not the TLS handshake.
  await client.send(PATH, podReview({ uid: 'open', namespace: 'bench', name: 'open', images: [] }));

  const logBefore = (await registry.settledAccessLog()).length;
  const tokensBefore = registry.tokenIssuer?.requests().length ?? 0;
  const bodies = Array.from({ length: reviews }, (_, index) =>
    Buffer.from(JSON.stringify(podReview({ uid: `burst-${index}`, namespace: 'bench', name: `job-${index}`, images }))),
  );
  const started = performance.now();
  const answers: ReviewAnswer[] = await Promise.all(bodies.map((body) => client.send(PATH, body)));
  const wallMs = performance.now() - started;

  const unclean = answers.filter(
    (answer) =>
      answer.status !== 200 || answer.body.response?.allowed !== true || (answer.body.response.warnings ?? []).length,
  );
  if (unclean.length > 0) {
    throw new Error(
      `${unclean.length} of ${reviews} reviews were not a clean allow: ${JSON.stringify(unclean[0]?.body)}`,
    );
  }
  const reached = (await accessSince(registry, logBefore)).filter(
    (entry) => !entry.userAgent.startsWith('pullguard-bench'),
  );
  const manifests = reached.filter(isManifestRequest).length;
  const metrics = await pullguard.metrics();
  const latency = summarize(answers.map((answer) => answer.ms));
  const label = `${reviews} reviews × ${IMAGE_COUNT} images, ${variant.label}`;

  context.record({
    metric: `manifest requests at the registry (${label})`,
    value: manifests,
    unit: 'requests',
    target: { kind: 'exactly', limit: IMAGE_COUNT },
  });
  context.record({ metric: `other registry requests (${label})`, value: reached.length - manifests, unit: 'requests' });
  context.record({
    metric: `coalesced lookups (${label})`,
    value: readSample(metrics, 'pullguard_resolver_cache_total', { result: 'coalesced' }),
    unit: 'requests',
  });
  if (registry.tokenIssuer !== undefined) {
    const tokens = countTokenRequests(registry.tokenIssuer.requests().slice(tokensBefore));
    context.record({
      metric: `token requests per repository scope, max (${label})`,
      value: tokens.maxPerScope,
      unit: 'requests',
      target: { kind: 'max', limit: 1 },
    });
    context.record({
      metric: `token requests in all (${label}, ${tokens.scopes} scopes)`,
      value: tokens.total,
      unit: 'requests',
    });
  }
  // The same burst again, every image now cached: what the burst costs without the registry.
  const warmStarted = performance.now();
  const warmAnswers = await Promise.all(bodies.map((body) => client.send(PATH, body)));
  const warmWallMs = performance.now() - warmStarted;
  const warm = summarize(warmAnswers.map((answer) => answer.ms));

  context.record({
    metric: `review p50, cold vs one manifest HEAD (${label})`,
    value: latency.p50,
    unit: 'ms',
    baseline: head.p50,
  });
  context.record({
    metric: `review p99, cold vs the same burst warm (${label})`,
    value: latency.p99,
    unit: 'ms',
    baseline: warm.p99,
  });
  context.record({
    metric: `burst wall time, cold vs the same burst warm (${label})`,
    value: wallMs,
    unit: 'ms',
    baseline: warmWallMs,
  });
}

async function run(context: ScenarioContext): Promise<void> {
  const reviews = context.quick ? 200 : 500;
  const tls = writeTlsFiles(join(context.workDir, 'tls'));
  for (const variant of VARIANTS) await runVariant(context, variant, tls, reviews);
}

export const coldBurst: Scenario = {
  name: 'cold-burst',
  description: `reviews at once naming the same ${IMAGE_COUNT} unseen images: registry and token requests, latency vs one HEAD`,
  run,
};

if (import.meta.main) process.exitCode = await runFromCommandLine([coldBurst], process.argv.slice(2));
