/**
 * Where the serving certificate comes from, three ways, each ending in a TlsContext the server follows:
 * - generated: a CA and certificate made in memory at start (local demo, `--no-kube`);
 * - files: mounted files (cert-manager, `--tls-cert/--tls-key`), reloaded when they change;
 * - secret: the shared Secret (created by the first replica), renewed before expiry, with the CA kept in the
 *   webhook configurations' caBundle.
 */

import type { WebhookConfigApi } from '../certs/ca-bundle-reconcile.ts';
import { type CertificateBundle, createCertificateBundle } from '../certs/certificate-bundle.ts';
import { loadCertificateFiles, watchCertificateFiles } from '../certs/certificate-files.ts';
import { startCertificateRenewer } from '../certs/certificate-renewer.ts';
import type { SecretApi } from '../certs/secret-api.ts';
import { ensureCertificateSecret } from '../certs/secret-store.ts';
import type { ServingCertificateOptions } from '../certs/serving-cert.ts';
import { TlsContext } from '../certs/tls-context.ts';
import type { TlsMaterial } from '../certs/tls-material.ts';
import type { Config } from '../config/config.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { startCaBundleLoop } from './ca-bundle-loop.ts';

export interface TlsSetup {
  readonly context: TlsContext;
  /** The CA that signed the serving certificate, when pullguard knows it (for clients and caBundles). */
  readonly caPem: () => string | undefined;
  /** Stops watching or renewing. */
  close(): void;
}

/** The names a local client uses, on top of the Service names: localhost and the loopback addresses. */
const LOCAL_NAMES = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] };

export function servingOptions(config: Config, local: boolean): ServingCertificateOptions {
  return {
    serviceName: config.tls.serviceName,
    namespace: config.tls.namespace,
    dnsNames: [...(local ? LOCAL_NAMES.dnsNames : []), ...config.tls.extraHostnames],
    ipAddresses: [...(local ? LOCAL_NAMES.ipAddresses : []), ...config.tls.extraIPs],
  };
}

function materialOf(bundle: CertificateBundle): TlsMaterial {
  return { key: bundle.keyPem, cert: bundle.certPem, ca: bundle.caPem };
}

function contextFor(material: TlsMaterial, logger: Logger): TlsContext {
  return new TlsContext(material, {
    onListenerError: (error) => logger.error({ err: error }, 'could not switch to the new certificate'),
  });
}

/** A self-signed CA and a serving certificate for the Service names, localhost and the loopback addresses. */
export function generatedTls(config: Config, logger: Logger): TlsSetup {
  const bundle = createCertificateBundle(servingOptions(config, true));
  logger.info({ notAfter: bundle.notAfter }, 'generated an in-memory CA and serving certificate');
  return { context: contextFor(materialOf(bundle), logger), caPem: () => bundle.caPem, close: () => undefined };
}

export async function fileTls(config: Config, logger: Logger): Promise<TlsSetup> {
  const { certFile, keyFile } = config.tls;
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError('tls.certFile and tls.keyFile are required when tls.source is "files"');
  }
  const files = { certFile, keyFile };
  let initial: TlsMaterial;
  try {
    initial = await loadCertificateFiles(files);
  } catch (error) {
    throw new ConfigError(`tls.certFile/tls.keyFile: ${(error as Error).message}`);
  }
  const context = contextFor(initial, logger);
  const watcher = watchCertificateFiles(
    files,
    (material, info) => {
      context.update(material);
      logger.info({ serialNumber: info.serialNumber, notAfter: info.notAfter }, 'serving certificate reloaded');
    },
    { initial, onError: (error) => logger.warn({ err: error }, 'certificate files not usable yet') },
  );
  logger.info({ certFile, notAfter: context.info.notAfter }, 'serving certificate loaded from files');
  return { context, caPem: () => context.current.ca, close: () => watcher.close() };
}

export interface SecretTlsOptions {
  readonly config: Config;
  readonly secrets: SecretApi;
  readonly webhooks: WebhookConfigApi;
  readonly logger: Logger;
}

export async function secretTls(options: SecretTlsOptions): Promise<TlsSetup> {
  const { config, logger } = options;
  const ensure = () =>
    ensureCertificateSecret({
      api: options.secrets,
      namespace: config.tls.namespace,
      name: config.tls.secretName,
      serving: servingOptions(config, false),
      logger,
    });
  const first = await ensure();
  let bundle = first.bundle;
  const context = contextFor(materialOf(bundle), logger);
  const caBundles = startCaBundleLoop({
    api: options.webhooks,
    configurations: config.tls.webhookConfigurations,
    caPem: () => bundle.caPem,
    logger,
  });
  void caBundles.reconcileNow();
  const renewer = startCertificateRenewer({
    initial: bundle,
    refresh: async () => (await ensure()).bundle,
    onBundle: async (next) => {
      const caChanged = next.caPem !== bundle.caPem;
      bundle = next;
      if (context.update(materialOf(next))) logger.info({ notAfter: next.notAfter }, 'serving certificate renewed');
      if (caChanged) await caBundles.reconcileNow();
    },
    onError: (error) => logger.warn({ err: error }, 'certificate renewal check failed; retrying later'),
  });
  logger.info(
    { secret: `${config.tls.namespace}/${config.tls.secretName}`, action: first.action, notAfter: bundle.notAfter },
    'serving certificate from the Secret',
  );
  return {
    context,
    caPem: () => bundle.caPem,
    close() {
      renewer.stop();
      caBundles.stop();
    },
  };
}
