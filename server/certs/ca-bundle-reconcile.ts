/**
 * Keeps the CA in the webhook configurations' caBundle: read, compute the patch, apply it only when something
 * differs. A configuration that does not exist yet is reported, not created (Helm owns it).
 */
import {
  buildCaBundlePatch,
  type JsonPatchOperation,
  type WebhookConfigurationKind,
  type WebhookConfigurationLike,
} from './ca-bundle.ts';
import { CertificateError } from './certificate-error.ts';

export interface WebhookConfigApi {
  /** undefined when the configuration does not exist. */
  get(kind: WebhookConfigurationKind, name: string): Promise<WebhookConfigurationLike | undefined>;
  /** Applies a JSON patch; `conflict` when it no longer applies (a `test` failed, or the object went away). */
  patch(kind: WebhookConfigurationKind, name: string, patch: JsonPatchOperation[]): Promise<'patched' | 'conflict'>;
}

export interface CaBundleTarget {
  kind: WebhookConfigurationKind;
  name: string;
  /** Webhook entries to keep in step; all of them when omitted. */
  webhookNames?: readonly string[] | undefined;
}

export interface CaBundleReconcileResult {
  outcome: 'patched' | 'unchanged' | 'not-found';
  /** Webhooks whose caBundle was changed. */
  updated: string[];
  /** Requested webhook names the configuration lacks. */
  missing: string[];
}

const DEFAULT_MAX_ATTEMPTS = 3;

export async function reconcileCaBundle(
  api: WebhookConfigApi,
  target: CaBundleTarget,
  caPem: string,
  options: { maxAttempts?: number | undefined } = {},
): Promise<CaBundleReconcileResult> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const config = await api.get(target.kind, target.name);
    if (!config) return { outcome: 'not-found', updated: [], missing: [...(target.webhookNames ?? [])] };
    const plan = buildCaBundlePatch(config, caPem, target.webhookNames);
    if (plan.patch.length === 0) return { outcome: 'unchanged', updated: [], missing: plan.missing };
    if ((await api.patch(target.kind, target.name, plan.patch)) === 'patched') {
      return { outcome: 'patched', updated: plan.updated, missing: plan.missing };
    }
  }
  throw new CertificateError(
    `could not patch the caBundle of ${target.kind} ${target.name}: ${maxAttempts} attempts conflicted`,
  );
}
