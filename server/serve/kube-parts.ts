/**
 * What `serve` runs against a cluster besides the webhook: the pull-secret informers behind admission's credential
 * source, and the stuck-pull controller (unless `controller.enabled: false`). Nothing here blocks on the API server:
 * informers sync in the background and /readyz reports them until they have.
 */
import type { CredentialSource } from '../admission/ports.ts';
import type { Credential, Keyring } from '../auth/keyring.ts';
import { createPullSecretSource } from '../auth/pull-secrets.ts';
import type { Config } from '../config/config.ts';
import {
  createStuckPullController,
  type StuckPullController,
  type StuckPullSettings,
} from '../controller/controller.ts';
import type { ResilientInformer } from '../kube/informer-types.ts';
import { secretsInformer, serviceAccountsInformer } from '../kube/informers.ts';
import type { LoadedKubeConfig } from '../kube/kube-config.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { clusterCredentialSource } from './credential-sources.ts';

/** client-node's KubeConfig, named through kube/ (only kube/, controller/ and certs/ import client-node). */
export type KubeConfig = LoadedKubeConfig['kubeConfig'];

export interface KubePartsOptions {
  readonly kubeConfig: KubeConfig;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly staticKeyring: Keyring;
}

export interface KubeParts {
  readonly credentials: CredentialSource<Credential>;
  readonly controller: StuckPullController | undefined;
  /** Reasons not to be ready yet (informers not synced). */
  readiness(): string[];
  /** Passes new controller settings on (config reload). */
  applyConfig(config: Config): void;
  /** Controller first (it stops acting), then the informers. */
  close(): Promise<void>;
}

export function controllerSettingsFrom(config: Config): StuckPullSettings {
  return {
    imagePullAttempts: config.controller.imagePullAttempts,
    maxPullFailureSeconds: config.controller.maxPullFailureSeconds,
    action: config.controller.action,
    resyncSeconds: config.controller.resyncSeconds,
    leaseName: config.controller.leaseName,
    namespace: config.tls.namespace,
  };
}

export function startKubeParts(options: KubePartsOptions): KubeParts {
  const { kubeConfig, config, metrics } = options;
  const logger = options.logger;
  const onError = (error: Error) => logger.warn({ err: error }, 'informer failed; restarting with back-off');
  const secrets = secretsInformer(kubeConfig, { onError });
  const serviceAccounts = serviceAccountsInformer(kubeConfig, { onError });
  const informers: ResilientInformer<unknown>[] = [secrets, serviceAccounts];
  metrics.observeInformers(() => informers);
  const pullSecrets = createPullSecretSource({ secrets, serviceAccounts });
  for (const informer of informers) {
    void informer.start().then(
      () => logger.info({ informer: informer.name }, 'informer synced'),
      () => undefined,
    );
  }

  const controller = config.controller.enabled
    ? createStuckPullController({
        kubeConfig,
        logger,
        metrics: metrics.controller,
        settings: controllerSettingsFrom(config),
      })
    : undefined;
  void controller?.start();
  if (controller === undefined) logger.info('the stuck-pull controller is disabled (controller.enabled: false)');

  return {
    credentials: clusterCredentialSource(pullSecrets, options.staticKeyring),
    controller,
    readiness() {
      const reasons = informers.filter((informer) => !informer.isSynced()).map((i) => `informer ${i.name} not synced`);
      if (controller !== undefined && !controller.isSynced()) reasons.push('controller informers not synced');
      return reasons;
    },
    applyConfig(next) {
      if (controller === undefined) {
        if (next.controller.enabled) logger.warn('controller.enabled changed to true: restart to start the controller');
        return;
      }
      if (!next.controller.enabled) logger.warn('controller.enabled changed to false: restart to stop the controller');
      controller.updateSettings(controllerSettingsFrom(next));
    },
    async close() {
      await controller?.stop();
      await Promise.all(informers.map((informer) => informer.stop()));
    },
  };
}
