/**
 * pullguard as a cluster runs it, for end-to-end tests on the real node: `pullguard serve` as its own process
 * (webhook + stuck-pull controller) with a configuration file, against the node's cluster, and the chart's webhook
 * configurations rendered with `admissionWebhooks.url` pointing at it (the chart's mode for a server outside the
 * cluster). pullguard makes its certificate Secret and fills the caBundle itself. Stopped by its PID.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { eventually } from './eventually.ts';
import { renderChart } from './helm-chart.ts';
import type { TestKube } from './kube.ts';
import { uniqueName } from './kube.ts';
import { httpsGet } from './kube-process.ts';
import type { TestNode } from './node.ts';
import { tempDir } from './paths.ts';
import { freePort } from './ports.ts';
import { type StartedProcess, waitUntilReady } from './process.ts';
import { caBundlesOf, renderServeConfig, spawnServe } from './pullguard-serve.ts';

export type NamespaceMode = 'enforce' | 'warn' | 'audit';

export interface PullguardOptions {
  /** The `controller` section (imagePullAttempts …) merged over the test defaults. */
  controller?: Record<string, unknown> | undefined;
  /** The `admission` section. */
  admission?: Record<string, unknown> | undefined;
  /** Also install the chart's MutatingWebhookConfiguration (verdict annotations on controller-owned Pods). */
  mutating?: boolean | undefined;
  timeoutMs?: number | undefined;
}

export interface RunningPullguard {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly caPem: string;
  /** pullguard's own namespace (its Secret and Lease). */
  readonly namespace: string;
  /** The webhook configurations' name (the chart's fullname). */
  readonly webhookName: string;
  readonly logFile: string;
  /** Creates a namespace opted in with `pullguard.dev/mode=<mode>` (and annotations, e.g. image-pull-attempts). */
  createNamespace(prefix: string, mode: NamespaceMode, annotations?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

/** The configuration file pullguard serve reads. Pure. */
export function renderPullguardConfig(options: {
  port: number;
  namespace: string;
  webhookName: string;
  registryHost: string;
  controller?: Record<string, unknown> | undefined;
  admission?: Record<string, unknown> | undefined;
}): string {
  const base = renderServeConfig({
    tlsNamespace: options.namespace,
    secretName: 'pullguard-tls',
    webhookName: options.webhookName,
    insecureRegistries: [options.registryHost],
    admission: options.admission,
  });
  return stringify({
    ...base,
    server: { host: '127.0.0.1', port: options.port },
    controller: { imagePullAttempts: 3, resyncSeconds: 30, ...options.controller },
  });
}

async function applyWebhookConfigurations(
  kube: TestKube,
  release: { name: string; namespace: string; url: string; mutating: boolean },
): Promise<void> {
  const objects = await renderChart({
    release: release.name,
    namespace: release.namespace,
    values: {
      fullnameOverride: release.name,
      admissionWebhooks: { url: release.url, mutating: { enabled: release.mutating } },
    },
  });
  const kinds = ['ValidatingWebhookConfiguration', ...(release.mutating ? ['MutatingWebhookConfiguration'] : [])];
  const items = objects.filter((object) => kinds.includes(object.kind));
  if (items.length !== kinds.length) throw new Error(`the chart rendered ${items.length} of ${kinds.join(', ')}`);
  const result = await kube.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  });
  if (result.code !== 0) throw new Error(`applying the webhook configurations failed: ${result.stderr}`);
}

/** The caBundle all the configuration's webhooks share, once they all have the same one. */
async function caBundleOf(kube: TestKube, name: string): Promise<string | undefined> {
  const bundles = await caBundlesOf(kube, name);
  return bundles.length > 0 && bundles.every((bundle) => bundle && bundle === bundles[0]) ? bundles[0] : undefined;
}

/** Starts pullguard serve against the node's cluster and waits until the apiserver calls it. */
export async function startPullguard(node: TestNode, options: PullguardOptions = {}): Promise<RunningPullguard> {
  const { kube } = node;
  const dir = tempDir('pullguard-e2e');
  const namespace = await kube.createNamespace('pullguard');
  const webhookName = uniqueName('pullguard');
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const configFile = join(dir, 'config.yaml');
  const caFile = join(dir, 'ca.crt');
  writeFileSync(
    configFile,
    renderPullguardConfig({ port, namespace, webhookName, registryHost: node.registry.host, ...options }),
  );
  let started: StartedProcess | undefined;
  const stop = async () => {
    await started?.stop(15_000);
    await kube.kubectl(['delete', 'validatingwebhookconfiguration,mutatingwebhookconfiguration', webhookName]);
    if (!process.env.PULLGUARD_KEEP_TEMP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await applyWebhookConfigurations(kube, { name: webhookName, namespace, url, mutating: options.mutating === true });
    started = spawnServe({
      kubeconfigPath: kube.kubeconfigPath,
      configFile,
      caFile,
      logFile: join(dir, 'pullguard.log'),
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let caPem = '';
    await waitUntilReady(
      started,
      async () => {
        caPem = readFileSync(caFile, 'utf8');
        return (await httpsGet(`${url}/readyz`, { ca: caPem })).status === 200;
      },
      timeoutMs,
    );
    const expected = Buffer.from(caPem).toString('base64');
    await eventually(async () => ((await caBundleOf(kube, webhookName)) === expected ? true : undefined), {
      timeoutMs,
      description: `pullguard to put its CA in ${webhookName}'s caBundle (log: ${started.logFile})`,
    });
    const createNamespace = async (prefix: string, mode: NamespaceMode, annotations: Record<string, string> = {}) => {
      const name = await kube.createNamespace(prefix);
      const label = await kube.kubectl(['label', 'namespace', name, `pullguard.dev/mode=${mode}`]);
      if (label.code !== 0) throw new Error(`labelling ${name} failed: ${label.stderr}`);
      for (const [key, value] of Object.entries(annotations)) {
        const annotated = await kube.kubectl(['annotate', 'namespace', name, `${key}=${value}`]);
        if (annotated.code !== 0) throw new Error(`annotating ${name} failed: ${annotated.stderr}`);
      }
      return name;
    };
    await waitForWebhook(kube, node, createNamespace, started.logFile, timeoutMs);
    return { url, caPem, namespace, webhookName, logFile: started.logFile, createNamespace, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The apiserver picks up webhook configurations asynchronously: wait until a dry-run is really reviewed. */
async function waitForWebhook(
  kube: TestKube,
  node: TestNode,
  createNamespace: RunningPullguard['createNamespace'],
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const namespace = await createNamespace('webhook-probe', 'enforce');
  const probe = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probe', namespace },
    spec: { containers: [{ name: 'main', image: `${node.registry.host}/pullguard-probe/absent:v1` }] },
  });
  let last = '';
  try {
    await eventually(
      async () => {
        const result = await kube.kubectl(['create', '--dry-run=server', '-f', '-'], { input: probe });
        last = (result.stderr || result.stdout).trim();
        return result.code !== 0 && result.stderr.includes('denied the request') ? true : undefined;
      },
      { timeoutMs, intervalMs: 250, description: `the apiserver to call pullguard's webhook (log: ${logFile})` },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; kubectl said: ${last}`);
  }
  await kube.kubectl(['delete', 'namespace', namespace, '--wait=false']);
}

/**
 * Starts pullguard for one test file and stops it in the teardown. When it cannot start, the error ends the test
 * file before any teardown runs: the node is stopped here first, so that nothing of it outlives the file.
 */
export async function usePullguard(
  t: { teardown(fn: () => unknown): void },
  node: TestNode,
  options: PullguardOptions = {},
): Promise<RunningPullguard> {
  let pullguard: RunningPullguard;
  try {
    pullguard = await startPullguard(node, options);
  } catch (error) {
    await node.stop().catch((stopError: Error) => console.error(`[harness] ${stopError.message}`));
    throw error;
  }
  t.teardown(() => pullguard.stop());
  return pullguard;
}
