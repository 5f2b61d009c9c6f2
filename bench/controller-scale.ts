/**
 * Controller scale: 50,000 pending Pods (2,000 with --quick) in opted-in namespaces of a real kube-apiserver,
 * and `pullguard serve` (webhook + stuck-pull controller, a child process so its memory is its own) started
 * against them. Reported: time until /readyz (informers synced), resident memory (target < 300 MB), and, for a
 * sample of Pods, the delay from the status update that crosses the pull-attempt threshold to phase=Failed
 * (target p99 < 1 s).
 *
 * Baseline, same run: the same process started against the same cluster before the bulk of Pods exists (only the
 * first sample): its memory, its sync time and its failure delay with a handful of Pods.
 */
import { join } from 'node:path';
import { startKube } from '../tests/harness/kube.ts';
import { connectKube, forEachConcurrently, type KubeClient } from './support/kube-client.ts';
import {
  createNamespace,
  createOptedInNamespace,
  createPods,
  type PodName,
  patchPullStatus,
} from './support/pending-pods.ts';
import { readMemoryUse } from './support/proc-status.ts';
import { runFromCommandLine } from './support/runner.ts';
import type { Scenario, ScenarioContext } from './support/scenario.ts';
import { type RunningPullguard, startPullguard, type TlsFiles, writeTlsFiles } from './support/servers.ts';
import { type LatencySummary, summarize } from './support/stats.ts';

const OWN_NAMESPACE = 'pullguard';
const PODS_PER_NAMESPACE = 5000;
const CREATE_CONCURRENCY = 64;
/** imagePullAttempts default: the third entry into ErrImagePull crosses it. */
const ATTEMPTS = 3;
const CANARY_TIMEOUT_MS = 600_000;

interface Sizes {
  readonly pods: number;
  readonly sample: number;
}

function podNames(namespaces: readonly string[], perNamespace: number, prefix: string): PodName[] {
  return namespaces.flatMap((namespace) =>
    Array.from({ length: perNamespace }, (_, index) => ({ namespace, name: `${prefix}-${index}` })),
  );
}

/**
 * Drives each sample Pod through the kubelet's status sequence (ErrImagePull, ImagePullBackOff, …) up to one below
 * the threshold, then writes the crossing ErrImagePull Pod by Pod and measures, through a watch, the delay until
 * the Pod shows phase=Failed with pullguard's condition.
 */
async function measureFailureDelays(
  client: KubeClient,
  sample: readonly PodName[],
  context: ScenarioContext,
  timeoutMs = 60_000,
): Promise<LatencySummary> {
  const failedAt = new Map<string, number>();
  const wanted = new Set(sample.map((pod) => `${pod.namespace}/${pod.name}`));
  const watches = [...new Set(sample.map((pod) => pod.namespace))].map((namespace) =>
    client.watch(`/api/v1/namespaces/${namespace}/pods?fieldSelector=status.phase%3DFailed`, (event) => {
      const metadata = event.object.metadata as { namespace?: string; name?: string } | undefined;
      const status = event.object.status as { conditions?: { type?: string; status?: string }[] } | undefined;
      const ours = status?.conditions?.some((c) => c.type === 'ImagePullFailed' && c.status === 'True');
      const key = `${metadata?.namespace}/${metadata?.name}`;
      if (ours && wanted.has(key) && !failedAt.has(key)) failedAt.set(key, performance.now());
    }),
  );
  try {
    for (let attempt = 1; attempt < ATTEMPTS; attempt += 1) {
      await forEachConcurrently(sample.length, 16, async (index) => {
        const pod = sample[index];
        if (pod === undefined) return;
        await patchPullStatus(client, pod, 'ErrImagePull');
        await patchPullStatus(client, pod, 'ImagePullBackOff');
      });
    }
    const crossedAt = new Map<string, number>();
    for (const pod of sample) {
      crossedAt.set(`${pod.namespace}/${pod.name}`, performance.now());
      await patchPullStatus(client, pod, 'ErrImagePull');
    }
    const deadline = performance.now() + timeoutMs;
    while (failedAt.size < sample.length && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const delays: number[] = [];
    for (const [key, crossed] of crossedAt) {
      const failed = failedAt.get(key);
      // A Pod never failed counts as the whole wait: it must show in the percentiles, not vanish from them.
      delays.push(failed === undefined ? timeoutMs : Math.max(0, failed - crossed));
    }
    if (failedAt.size < sample.length) context.log(`${sample.length - failedAt.size} sample Pods never failed`);
    return summarize(delays);
  } finally {
    for (const watch of watches) watch.close();
  }
}

async function startController(
  context: ScenarioContext,
  tls: TlsFiles,
  kubeconfigPath: string,
  name: string,
): Promise<RunningPullguard> {
  return startPullguard(context, {
    tls,
    insecureRegistries: [],
    kubeconfigPath,
    name,
    config: { tls: { namespace: OWN_NAMESPACE } },
    readyTimeoutMs: 600_000,
  });
}

async function run(context: ScenarioContext): Promise<void> {
  const sizes: Sizes = context.quick ? { pods: 2000, sample: 20 } : { pods: 50_000, sample: 50 };
  const kube = await startKube();
  context.defer(() => kube.stop());
  const client = connectKube(kube.kubeconfigPath);
  context.defer(() => client.close());
  const tls = writeTlsFiles(join(context.workDir, 'tls'));

  await createNamespace(client, OWN_NAMESPACE);
  const namespaceCount = Math.ceil(sizes.pods / PODS_PER_NAMESPACE);
  const namespaces = Array.from({ length: namespaceCount }, (_, index) => `bench-${index}`);
  for (const namespace of namespaces) await createOptedInNamespace(client, namespace);
  const [firstNamespace = 'bench-0'] = namespaces;

  // Baseline: a handful of Pods (the first sample) and nothing else.
  const smallSample = podNames([firstNamespace], sizes.sample, 'early');
  const smallCanary = { namespace: firstNamespace, name: 'early-canary' };
  await createPods(client, [...smallSample, smallCanary], CREATE_CONCURRENCY);
  const small = await startController(context, tls, kube.kubeconfigPath, 'pullguard-small');
  const smallMemory = readMemoryUse(small.process.pid);
  const smallFirst = await measureFailureDelays(client, [smallCanary], context, CANARY_TIMEOUT_MS);
  const smallDelays = await measureFailureDelays(client, smallSample, context);
  await small.process.stop(10_000);

  // The bulk: every namespace filled (the failed early sample no longer counts as pending).
  const bulk = podNames(namespaces, Math.ceil(sizes.pods / namespaceCount), 'worker').slice(0, sizes.pods);
  const canary = { namespace: firstNamespace, name: 'worker-canary' };
  const createStarted = performance.now();
  await createPods(client, [...bulk, canary], CREATE_CONCURRENCY);
  const createSeconds = (performance.now() - createStarted) / 1000;
  context.log(`created ${bulk.length} Pods in ${createSeconds.toFixed(1)} s`);

  const large = await startController(context, tls, kube.kubeconfigPath, 'pullguard-large');
  const syncedMemory = readMemoryUse(large.process.pid);
  // The first failure waits for the Lease and the initial pass over every pending Pod; the sample comes after it.
  const first = await measureFailureDelays(client, [canary], context, CANARY_TIMEOUT_MS);
  const step = Math.floor(bulk.length / sizes.sample);
  const largeSample = Array.from({ length: sizes.sample }, (_, index) => bulk[index * step]).filter(
    (pod): pod is PodName => pod !== undefined,
  );
  const largeDelays = await measureFailureDelays(client, largeSample, context);
  const afterMemory = readMemoryUse(large.process.pid);

  const label = `${bulk.length.toLocaleString('en')} pending Pods`;
  context.record({
    metric: `Pods created per second (bench client, ${CREATE_CONCURRENCY} in flight)`,
    value: bulk.length / createSeconds,
    unit: 'req/s',
  });
  context.record({
    metric: `time to ready (informers synced), ${label} vs ${sizes.sample}`,
    value: large.readyAfterMs / 1000,
    unit: 's',
    baseline: small.readyAfterMs / 1000,
  });
  context.record({
    metric: `resident memory after sync, ${label} vs ${sizes.sample}`,
    value: syncedMemory.rssMb,
    unit: 'MB',
    baseline: smallMemory.rssMb,
    target: { kind: 'max', limit: 300 },
  });
  context.record({
    metric: `peak resident memory, ${label} vs ${sizes.sample}`,
    value: Math.max(afterMemory.peakRssMb, syncedMemory.peakRssMb),
    unit: 'MB',
    baseline: smallMemory.peakRssMb,
  });
  context.record({
    metric: `delay to phase=Failed, a Pod crossing right after ready (Lease + initial pass), ${label} vs ${sizes.sample}`,
    value: first.max / 1000,
    unit: 's',
    baseline: smallFirst.max / 1000,
  });
  context.record({
    metric: `delay to phase=Failed p50 (${largeSample.length} samples), ${label} vs ${sizes.sample}`,
    value: largeDelays.p50,
    unit: 'ms',
    baseline: smallDelays.p50,
  });
  context.record({
    metric: `delay to phase=Failed p99 (${largeSample.length} samples), ${label} vs ${sizes.sample}`,
    value: largeDelays.p99,
    unit: 'ms',
    baseline: smallDelays.p99,
    target: { kind: 'max', limit: 1000 },
  });
}

export const controllerScale: Scenario = {
  name: 'controller-scale',
  description: 'pending Pods in a real kube-apiserver: controller memory, sync time, delay to phase=Failed',
  run,
};

if (import.meta.main) process.exitCode = await runFromCommandLine([controllerScale], process.argv.slice(2));
