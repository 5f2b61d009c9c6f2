/**
 * pullguard's admission webhook as a user runs it, for end-to-end tests against a real kube-apiserver:
 * `pullguard serve` as a child process (by its PID), a ValidatingWebhookConfiguration written here (not the chart's)
 * with one webhook per mode calling https://127.0.0.1:PORT/validate/<mode>, and pullguard's own certificate Secret
 * and caBundle loop. Webhooks select namespaces by `pullguard.dev/mode` AND a label unique to this configuration, so
 * that test files sharing a cluster never send each other's Pods to the wrong server.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { eventually, GiveUp } from './eventually.ts';
import { type TestKube, uniqueName } from './kube.ts';
import { httpsGet, tailOf } from './kube-process.ts';
import { tempDir } from './paths.ts';
import { freePort } from './ports.ts';
import type { StartedProcess } from './process.ts';
import { caBundlesOf, renderServeConfig, spawnServe } from './pullguard-serve.ts';

export type WebhookMode = 'enforce' | 'warn' | 'audit';
export const WEBHOOK_MODES: readonly WebhookMode[] = ['enforce', 'warn', 'audit'];
export const MODE_LABEL = 'pullguard.dev/mode';
/** The second label every webhook of one configuration requires (its value: the configuration's name). */
export const SELECTOR_LABEL = 'pullguard.test/webhook';

/** `enforce.pullguard.dev` …: the apiserver prefixes audit annotation keys with this name. */
export function webhookEntryName(mode: WebhookMode): string {
  return `${mode}.pullguard.dev`;
}

export interface WebhookConfigurationOptions {
  name: string;
  /** https://127.0.0.1:PORT */
  baseUrl: string;
  /** base64 PEM; left out, pullguard's caBundle loop fills it in. */
  caBundle?: string | undefined;
  /** Default 'Fail'. */
  failurePolicy?: 'Fail' | 'Ignore' | undefined;
  /** Default 10. */
  timeoutSeconds?: number | undefined;
}

const operations = ['CREATE', 'UPDATE'];

/** The ValidatingWebhookConfiguration: one webhook per mode, each selecting its mode's namespaces. Pure. */
export function renderWebhookConfiguration(options: WebhookConfigurationOptions): Record<string, unknown> {
  const rule = (apiGroup: string, resources: string[]) => ({
    apiGroups: [apiGroup],
    apiVersions: ['v1'],
    operations,
    resources,
    scope: 'Namespaced',
  });
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: options.name },
    webhooks: WEBHOOK_MODES.map((mode) => ({
      name: webhookEntryName(mode),
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: options.failurePolicy ?? 'Fail',
      timeoutSeconds: options.timeoutSeconds ?? 10,
      clientConfig: {
        url: `${options.baseUrl}/validate/${mode}`,
        ...(options.caBundle === undefined ? {} : { caBundle: options.caBundle }),
      },
      namespaceSelector: {
        matchExpressions: [
          { key: MODE_LABEL, operator: 'In', values: [mode] },
          { key: SELECTOR_LABEL, operator: 'In', values: [options.name] },
        ],
      },
      rules: [
        rule('', ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers', 'podtemplates']),
        rule('apps', ['deployments', 'statefulsets', 'daemonsets', 'replicasets']),
        rule('batch', ['jobs', 'cronjobs']),
      ],
    })),
  };
}

/** One `admission review` line of pullguard's log. */
export interface ReviewLogLine {
  readonly uid: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly operation: string;
  readonly mode: string;
  readonly decision: string;
  readonly dryRun: boolean;
  readonly images: number;
  readonly findings?: { fieldPath: string; outcome: string; registry: string }[];
  readonly subResource?: string;
}

export interface ServeProcess {
  readonly port: number;
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** The CA the apiserver must trust: the one pullguard wrote with --ca-out, or the one given. */
  readonly caPem: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly process: StartedProcess;
  /** Every review pullguard logged so far. */
  reviews(): ReviewLogLine[];
  stop(): Promise<void>;
}

export interface ServeProcessOptions {
  kube: TestKube;
  /** The configuration file's content; `server.port` is set here. */
  config: Record<string, unknown>;
  /** Extra `pullguard serve` flags (`--tls-cert` …). */
  args?: string[] | undefined;
  /** Called with the chosen port before each start (e.g. to point a webhook configuration at it). */
  beforeStart?: ((port: number) => Promise<void>) | undefined;
  /** The CA to trust when serve writes none (certificates from files); otherwise the one it writes (--ca-out). */
  caPem?: string | undefined;
  timeoutMs?: number | undefined;
}

/** `pullguard serve` on a free port against `kube`, ready once /readyz answers 200 over TLS with the CA it wrote. */
export async function startServeProcess(options: ServeProcessOptions): Promise<ServeProcess> {
  const dir = tempDir('serve');
  const timeoutMs = options.timeoutMs ?? 60_000;
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    await options.beforeStart?.(port);
    const configFile = join(dir, 'config.yaml');
    const caFile = join(dir, 'ca.crt');
    const logFile = join(dir, `pullguard-${attempt}.log`);
    rmSync(caFile, { force: true });
    const serverSection = (options.config.server ?? {}) as Record<string, unknown>;
    writeFileSync(configFile, stringify({ ...options.config, server: { ...serverSection, port } }));
    const started = spawnServe({
      kubeconfigPath: options.kube.kubeconfigPath,
      configFile,
      caFile,
      logFile,
      args: options.args,
    });
    let exited = false;
    void started.exited.then(() => {
      exited = true;
    });
    const url = `https://127.0.0.1:${port}`;
    try {
      const caPem = await eventually(
        async () => {
          if (exited) throw new GiveUp(`pullguard serve exited during start-up:\n${tailOf(logFile)}`);
          const ca = options.caPem ?? (existsSync(caFile) ? readFileSync(caFile, 'utf8') : undefined);
          if (ca === undefined) return undefined;
          return (await httpsGet(`${url}/readyz`, { ca })).status === 200 ? ca : undefined;
        },
        { timeoutMs, intervalMs: 100, description: `pullguard serve to become ready (log: ${logFile})` },
      );
      return serveHandle({ port, url, caPem, configFile, logFile, process: started, dir });
    } catch (error) {
      await started.stop();
      // Another process may take the port between freePort() and serve's bind: try another one.
      if (attempt < 3 && readFileSync(logFile, 'utf8').includes('EADDRINUSE')) continue;
      if (!process.env.PULLGUARD_KEEP_TEMP) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

function serveHandle(parts: {
  port: number;
  url: string;
  caPem: string;
  configFile: string;
  logFile: string;
  process: StartedProcess;
  dir: string;
}): ServeProcess {
  const { url, caPem, logFile } = parts;
  let stopping: Promise<void> | undefined;
  return {
    port: parts.port,
    url,
    caPem,
    configFile: parts.configFile,
    logFile,
    process: parts.process,
    reviews: () => readReviewLines(logFile),
    stop: () => {
      stopping ??= (async () => {
        await parts.process.stop(15_000);
        if (!process.env.PULLGUARD_KEEP_TEMP) rmSync(parts.dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** The `admission review` lines of a pullguard log (pino JSON lines; other output is skipped). */
export function readReviewLines(logFile: string): ReviewLogLine[] {
  if (!existsSync(logFile)) return [];
  const lines: ReviewLogLine[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as ReviewLogLine & { msg?: string };
      if (entry.msg === 'admission review') lines.push(entry);
    } catch {
      // a line cut by a concurrent write: the next read has it whole
    }
  }
  return lines;
}

export interface WebhookServeOptions {
  /** Default: a unique name (pick one with uniqueName() to label namespaces before serve starts). */
  webhookName?: string | undefined;
  /** Plain-HTTP registries (`127.0.0.1:PORT`). */
  insecureRegistries?: readonly string[] | undefined;
  /** The `admission` section. */
  admission?: Record<string, unknown> | undefined;
  failurePolicy?: 'Fail' | 'Ignore' | undefined;
  /** An image that does not exist: polled with a dry run until the apiserver sends it to pullguard. */
  probeImage: string;
  timeoutMs?: number | undefined;
}

export interface WebhookServe extends ServeProcess {
  /** The ValidatingWebhookConfiguration's name, also the value of SELECTOR_LABEL on opted-in namespaces. */
  readonly webhookName: string;
  /** pullguard's own namespace (its certificate Secret). */
  readonly tlsNamespace: string;
  readonly secretName: string;
  /** The configuration file content (for a second instance). */
  readonly config: Record<string, unknown>;
  /** A fresh namespace this configuration selects: labelled with `mode`, or with the selector label only (null). */
  createNamespace(prefix: string, mode: WebhookMode | null): Promise<string>;
}

/**
 * Applies a webhook configuration, starts `pullguard serve` (certificates from a Secret it creates), waits until
 * pullguard has put its CA in the caBundle and the apiserver really calls it. Stopped in `t`'s teardown: the
 * configuration is deleted first, then the process stopped.
 */
export async function useWebhookServe(
  t: { teardown(fn: () => unknown): void },
  kube: TestKube,
  options: WebhookServeOptions,
): Promise<WebhookServe> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const tlsNamespace = await kube.createNamespace('pullguard');
  const webhookName = options.webhookName ?? uniqueName('pullguard');
  const secretName = 'pullguard-tls';
  const config = renderServeConfig({ ...options, tlsNamespace, secretName, webhookName });
  const applyConfiguration = async (port: number) => {
    const manifest = renderWebhookConfiguration({
      name: webhookName,
      baseUrl: `https://127.0.0.1:${port}`,
      failurePolicy: options.failurePolicy,
    });
    await applyOrThrow(kube, manifest);
  };
  const deleteConfiguration = async () => {
    await kube.kubectl(['delete', 'validatingwebhookconfiguration', webhookName, '--ignore-not-found']);
  };
  let serve: ServeProcess;
  try {
    serve = await startServeProcess({ kube, config, beforeStart: applyConfiguration, timeoutMs });
  } catch (error) {
    await deleteConfiguration();
    throw error;
  }
  // The configuration goes first, so the apiserver never calls a server that is gone.
  t.teardown(async () => {
    await deleteConfiguration();
    await serve.stop();
  });

  const expected = Buffer.from(serve.caPem).toString('base64');
  await eventually(
    async () => ((await caBundlesOf(kube, webhookName)).every((b) => b === expected) ? true : undefined),
    {
      timeoutMs,
      intervalMs: 200,
      description: `pullguard to put its CA in ${webhookName}'s caBundle (log: ${serve.logFile})`,
    },
  );

  const createNamespace = (prefix: string, mode: WebhookMode | null) =>
    createSelectedNamespace(kube, webhookName, prefix, mode);
  await waitUntilEffective(kube, await createNamespace('probe', 'enforce'), options.probeImage, serve, timeoutMs);
  return { ...serve, webhookName, tlsNamespace, secretName, config, createNamespace };
}

/** A fresh namespace the configuration `webhookName` selects: labelled with `mode`, or with the selector only. */
export async function createSelectedNamespace(
  kube: TestKube,
  webhookName: string,
  prefix: string,
  mode: WebhookMode | null,
): Promise<string> {
  const name = await kube.createNamespace(prefix);
  const labels = [`${SELECTOR_LABEL}=${webhookName}`, ...(mode === null ? [] : [`${MODE_LABEL}=${mode}`])];
  const result = await kube.kubectl(['label', 'namespace', name, ...labels]);
  if (result.code !== 0) throw new Error(`labelling namespace ${name} failed: ${result.stderr}`);
  return name;
}

/**
 * The apiserver loads webhook configurations (and namespace labels) asynchronously: polls a server-side dry run of
 * a Pod naming `image` in the enforce namespace `namespace` until pullguard denies it.
 */
export async function waitUntilEffective(
  kube: TestKube,
  namespace: string,
  image: string,
  serve: Pick<ServeProcess, 'logFile'>,
  timeoutMs = 60_000,
): Promise<void> {
  const probe = podManifest({ name: 'probe', namespace, image });
  let last = '';
  try {
    await eventually(
      async () => {
        const result = await kube.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], {
          input: JSON.stringify(probe),
        });
        last = `exit ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`;
        return result.code !== 0 && result.stderr.includes('denied the request') ? true : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  } catch {
    throw new Error(
      `the apiserver did not send ${namespace}'s Pods to pullguard within ${timeoutMs} ms (last: ${last}; log: ${serve.logFile})`,
    );
  }
}

export function podManifest(options: {
  name: string;
  namespace: string;
  image: string;
  imagePullSecrets?: string[] | undefined;
}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: options.name, namespace: options.namespace },
    spec: {
      containers: [{ name: 'main', image: options.image }],
      ...(options.imagePullSecrets === undefined
        ? {}
        : { imagePullSecrets: options.imagePullSecrets.map((name) => ({ name })) }),
    },
  };
}

export async function applyOrThrow(kube: TestKube, manifest: unknown): Promise<void> {
  const result = await kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}
