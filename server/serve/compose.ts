/**
 * The composition root of `pullguard serve`: the one place where the modules are constructed and wired together.
 * Order: metrics and the resolution stack, the certificate, the cluster parts (pull-secret informers, controller),
 * the server; then listen, and watch the configuration file. Shutdown runs in reverse through the server's close:
 * stop accepting, answer what is in flight, then stop watchers, the controller, the informers and the registry
 * client.
 */
import type { AddressInfo } from 'node:net';
import type { Credential } from '../auth/keyring.ts';
import { createCertificateApis } from '../certs/kube-certificate-apis.ts';
import type { Config } from '../config/config.ts';
import { buildServer, type PullguardApp } from '../http/build-server.ts';
import { buildOpsServer } from '../http/ops-server.ts';
import { reviewFunctionFor } from '../http/review-function.ts';
import type { Logger } from '../log/logger.ts';
import { createMetrics, type Metrics } from '../metrics/metrics.ts';
import { createResolutionStack } from '../wiring/resolution-stack.ts';
import { type ConfigListener, type ConfigWatcher, watchConfigFile } from './config-watcher.ts';
import { staticCredentialSource } from './credential-sources.ts';
import { type KubeConfig, type KubeParts, startKubeParts } from './kube-parts.ts';
import { applyOverrides, type ConfigOverrides } from './load-config.ts';
import { reviewSettingsFrom } from './review-settings.ts';
import { fileTls, generatedTls, secretTls, type TlsSetup } from './tls-setup.ts';

export interface ServeOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The cluster to run against; undefined runs without one (no pull secrets, no controller, certificates local). */
  readonly kubeConfig: KubeConfig | undefined;
  /** The configuration file, watched for changes to the controller settings. */
  readonly configPath?: string | undefined;
  /** Flags, applied again to every reloaded configuration. */
  readonly overrides?: ConfigOverrides | undefined;
  /** Process metrics (default true); tests that build many servers turn them off. */
  readonly defaultMetrics?: boolean | undefined;
  /** How often the configuration file is polled (default 10 s). */
  readonly configPollIntervalMs?: number | undefined;
}

export interface RunningServe {
  readonly app: PullguardApp;
  /** The port actually bound (config `server.port` may be 0). */
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly metrics: Metrics;
  /** The CA clients should trust, when pullguard knows it (generated or from the Secret). */
  caPem(): string | undefined;
  readiness(): readonly string[];
  /** Told about every configuration that reloads successfully. */
  onConfigChange(listener: ConfigListener): () => void;
  /** Graceful shutdown; resolves once everything is closed. Idempotent. */
  close(): Promise<void>;
}

export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const { config, logger, kubeConfig } = options;
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const stack = createResolutionStack(config, { onRequest: (event) => metrics.recordRegistryRequest(event) });
  metrics.observeResolverCache(() => stack.resolver.stats());
  const closers: (() => Promise<void> | void)[] = [];
  let tls: TlsSetup | undefined;
  let kube: KubeParts | undefined;
  try {
    tls = await startTls(config, logger, kubeConfig);
    closers.push(() => tls?.close());
    kube =
      kubeConfig === undefined
        ? undefined
        : startKubeParts({ kubeConfig, config, logger, metrics, staticKeyring: stack.staticKeyring });
    if (kube !== undefined) closers.push(() => kube?.close());
    closers.push(() => stack.close());
  } catch (error) {
    tls?.close();
    await kube?.close();
    await stack.close();
    throw error;
  }

  const credentials = kube?.credentials ?? staticCredentialSource(stack.staticKeyring);
  const settings = reviewSettingsFrom(config);
  const readiness = (): readonly string[] => [
    ...(tls === undefined ? ['certificates not loaded'] : []),
    ...(kube?.readiness() ?? []),
  ];
  const app = buildServer({
    logger,
    metrics,
    readiness,
    tls: tls.context,
    review: reviewFunctionFor<Credential>({ resolver: stack.resolver, credentials, ...settings }),
    onClose: closers,
  });

  let watcher: ConfigWatcher | undefined;
  let ops: ReturnType<typeof buildOpsServer> | undefined;
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
    if (config.server.metricsPort !== undefined) {
      ops = buildOpsServer({ logger, metrics, readiness });
      await ops.listen({ host: config.server.host, port: config.server.metricsPort });
    }
  } catch (error) {
    await ops?.close();
    await app.close();
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  const metricsPort = ops === undefined ? undefined : (ops.server.address() as AddressInfo).port;
  logger.info({ host: config.server.host, port, metricsPort, cluster: kubeConfig !== undefined }, 'pullguard serving');

  if (options.configPath !== undefined) {
    const overrides = options.overrides ?? {};
    watcher = watchConfigFile({
      path: options.configPath,
      initial: config,
      transform: (next) => applyOverrides(next, overrides),
      logger,
      pollIntervalMs: options.configPollIntervalMs,
    });
    watcher.onConfigChange((next, previous) => {
      kube?.applyConfig(next);
      const restartOnly = changedSections(next, previous).filter((section) => section !== 'controller');
      if (restartOnly.length > 0) logger.warn({ sections: restartOnly }, 'these settings apply after a restart');
    });
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    port,
    metricsPort,
    metrics,
    caPem: () => tls?.caPem(),
    readiness,
    onConfigChange: (listener) => watcher?.onConfigChange(listener) ?? (() => undefined),
    close() {
      closing ??= (async () => {
        logger.info('shutting down: no new requests; finishing reviews in flight');
        watcher?.close();
        await ops?.close();
        await app.close();
        logger.info('shut down');
      })();
      return closing;
    },
  };
}

async function startTls(config: Config, logger: Logger, kubeConfig: KubeConfig | undefined): Promise<TlsSetup> {
  if (config.tls.source === 'files') return fileTls(config, logger);
  if (kubeConfig === undefined) return generatedTls(config, logger);
  const apis = createCertificateApis(kubeConfig, { labels: { 'app.kubernetes.io/managed-by': 'pullguard' } });
  return secretTls({ config, secrets: apis.secrets, webhooks: apis.webhooks, logger });
}

/** Top-level sections whose values differ. */
function changedSections(next: Config, previous: Config): string[] {
  return (Object.keys(next) as (keyof Config)[]).filter(
    (key) => JSON.stringify(next[key]) !== JSON.stringify(previous[key]),
  );
}
