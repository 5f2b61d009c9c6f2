/**
 * One Secret holds the CA and the serving certificate for every replica. Whoever starts first creates it; a replica
 * that loses the create race (409) reads and uses the winner's. A serving certificate that is due, broken or lacks
 * a name is re-issued from the stored CA and written back under the resourceVersion it was read at, so two
 * replicas renewing at once cannot overwrite each other: the loser re-reads and finds the fresh certificate.
 */
import { type BundleInspection, type BundlePems, inspectCertificateBundle } from './bundle-inspection.ts';
import { type CertificateBundle, createCertificateBundle, renewServingCertificate } from './certificate-bundle.ts';
import { CertificateError } from './certificate-error.ts';
import { decideRenewal, type RenewalPolicy } from './expiry.ts';
import { SECRET_KEYS, type SecretApi, type SecretData } from './secret-api.ts';
import { type ServingCertificateOptions, servingNames } from './serving-cert.ts';

export type CertificateSecretAction =
  /** We created the Secret. */
  | 'created'
  /** The stored certificate was good. */
  | 'reused'
  /** We re-issued the serving certificate from the stored CA. */
  | 'renewed'
  /** The stored CA was missing, broken or about to expire: we made a new CA and certificate. */
  | 'regenerated';

export interface CertificateSecretResult {
  bundle: CertificateBundle;
  action: CertificateSecretAction;
  resourceVersion: string;
}

/** Log lines carry names and reasons only, never Secret data. Shaped like pino's methods. */
export interface CertificateLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface EnsureCertificateSecretOptions {
  api: SecretApi;
  namespace: string;
  name: string;
  /** What the serving certificate must name, and its lifetime. `now` here is ignored: use `now` below. */
  serving: Omit<ServingCertificateOptions, 'now'>;
  caValidityDays?: number | undefined;
  renewal?: RenewalPolicy | undefined;
  now?: (() => Date) | undefined;
  logger?: CertificateLogger | undefined;
  /** Read-decide-write rounds before giving up on conflicts. Default 5. */
  maxAttempts?: number | undefined;
}

const DEFAULT_MAX_ATTEMPTS = 5;

export async function ensureCertificateSecret(
  options: EnsureCertificateSecretOptions,
): Promise<CertificateSecretResult> {
  const { api, namespace, name, logger } = options;
  const now = options.now ?? (() => new Date());
  const names = servingNames(options.serving);
  const where = { namespace, name };
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const stored = await api.read(namespace, name);
    if (!stored) {
      const bundle = createCertificateBundle({
        ...options.serving,
        caValidityDays: options.caValidityDays,
        now: now(),
      });
      const written = await api.create(namespace, name, toSecretData(bundle));
      if (written.outcome === 'written') {
        logger?.info(where, 'created the certificate Secret');
        return { bundle, action: 'created', resourceVersion: written.secret.resourceVersion };
      }
      logger?.info(where, 'another replica created the certificate Secret first; using theirs');
      continue;
    }

    const pems = fromSecretData(stored.data);
    const plan = planUpdate(inspectCertificateBundle(pems, names), now(), options.renewal);
    if (plan.action === 'reused') {
      return { bundle: plan.bundle, action: 'reused', resourceVersion: stored.resourceVersion };
    }
    const bundle =
      plan.action === 'renewed'
        ? renewServingCertificate(
            { caPem: pems.caPem ?? '', caKeyPem: pems.caKeyPem ?? '' },
            { ...options.serving, now: now() },
          )
        : createCertificateBundle({ ...options.serving, caValidityDays: options.caValidityDays, now: now() });
    const written = await api.replace(namespace, name, toSecretData(bundle), stored.resourceVersion);
    if (written.outcome === 'written') {
      logger?.info({ ...where, reason: plan.reason }, `${plan.action} the certificate in the Secret`);
      return { bundle, action: plan.action, resourceVersion: written.secret.resourceVersion };
    }
    logger?.info(where, 'the certificate Secret changed while we updated it; reading it again');
  }
  logger?.warn({ ...where, attempts: maxAttempts }, 'gave up on the certificate Secret after repeated conflicts');
  throw new CertificateError(
    `could not settle the certificate Secret ${namespace}/${name} after ${maxAttempts} conflicting attempts`,
  );
}

type UpdatePlan =
  | { action: 'reused'; bundle: CertificateBundle }
  | { action: 'renewed'; reason: string }
  | { action: 'regenerated'; reason: string };

/** Pure: what to do with what the Secret holds. */
function planUpdate(inspection: BundleInspection, now: Date, policy: RenewalPolicy | undefined): UpdatePlan {
  if (inspection.status === 'ca-unusable') return { action: 'regenerated', reason: inspection.reason };
  const caDecision = decideRenewal(inspection.ca, now);
  if (caDecision.renew) return { action: 'regenerated', reason: `the CA is ${describe(caDecision.reason)}` };
  if (inspection.status === 'serving-unusable') return { action: 'renewed', reason: inspection.reason };
  const decision = decideRenewal(inspection.bundle, now, policy);
  if (decision.renew) {
    return { action: 'renewed', reason: `the certificate is ${describe(decision.reason)}` };
  }
  return { action: 'reused', bundle: inspection.bundle };
}

function describe(reason: string): string {
  return reason === 'expired' ? 'expired' : 'in its renewal window';
}

export function toSecretData(bundle: CertificateBundle): SecretData {
  return {
    [SECRET_KEYS.cert]: bundle.certPem,
    [SECRET_KEYS.key]: bundle.keyPem,
    [SECRET_KEYS.caCert]: bundle.caPem,
    [SECRET_KEYS.caKey]: bundle.caKeyPem,
  };
}

export function fromSecretData(data: SecretData): BundlePems {
  return {
    certPem: data[SECRET_KEYS.cert],
    keyPem: data[SECRET_KEYS.key],
    caPem: data[SECRET_KEYS.caCert],
    caKeyPem: data[SECRET_KEYS.caKey],
  };
}
