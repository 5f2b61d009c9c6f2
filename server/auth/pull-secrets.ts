/**
 * A Pod's keyring from the informer caches: the Secrets it names, in order, then (when asked) its ServiceAccount's
 * imagePullSecrets, decoded as the kubelet decodes them (keyring.ts). Missing Secrets and empty names are skipped, as
 * the kubelet skips them. Satisfies admission's CredentialSource port structurally.
 *
 * Built keyrings are kept per (namespace, secret names and resourceVersions in order): a Secret that changes gets a
 * new resourceVersion and so a new entry, and a hot path does not decode base64 and JSON on every review.
 * Nothing here logs, and no message carries Secret data.
 */
import type { SecretLike } from './docker-config.ts';
import { buildPodKeyring, type Keyring } from './keyring.ts';

/** A Secret as the informer serves it (client-node's V1Secret fits). */
export interface PullSecretObject extends SecretLike {
  metadata?: { name?: string; resourceVersion?: string };
}

/** A ServiceAccount as the informer serves it (client-node's V1ServiceAccount fits). */
export interface ServiceAccountObject {
  imagePullSecrets?: readonly { name?: string }[];
}

export interface NamespacedReader<T> {
  get(namespace: string, name: string): T | undefined;
}

export interface PullSecretSourceOptions {
  readonly secrets: NamespacedReader<PullSecretObject>;
  readonly serviceAccounts: NamespacedReader<ServiceAccountObject>;
  /** How many built keyrings to keep (least recently used go first); default 1024. */
  readonly maxCachedKeyrings?: number | undefined;
}

export interface PodPullSecretsRequest {
  readonly namespace: string;
  /** The pod spec's `imagePullSecrets` names, in order. */
  readonly pullSecretNames: readonly string[];
  readonly serviceAccountName: string;
  /** Append the ServiceAccount's imagePullSecrets (for templates that list none; see admission/ports.ts). */
  readonly includeServiceAccountSecrets: boolean;
}

export type PodPullSecretsResult =
  | { readonly ok: true; readonly keyring: Keyring }
  /** The message names the Secret the kubelet could not decode; never its data. */
  | { readonly ok: false; readonly error: { readonly message: string; readonly secret: string } };

export interface PullSecretSource {
  forPod(request: PodPullSecretsRequest): PodPullSecretsResult;
  /** Built keyrings currently kept (for tests and a gauge). */
  cachedKeyrings(): number;
}

export const DEFAULT_MAX_CACHED_KEYRINGS = 1024;

export function createPullSecretSource(options: PullSecretSourceOptions): PullSecretSource {
  const maxEntries = options.maxCachedKeyrings ?? DEFAULT_MAX_CACHED_KEYRINGS;
  if (!Number.isInteger(maxEntries) || maxEntries < 0) {
    throw new RangeError(`maxCachedKeyrings must be a non-negative integer, got ${maxEntries}`);
  }
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used entry first.
  const built = new Map<string, PodPullSecretsResult>();

  const secretNamesOf = (request: PodPullSecretsRequest): string[] => {
    const names = [...request.pullSecretNames];
    if (request.includeServiceAccountSecrets) {
      const account = options.serviceAccounts.get(request.namespace, request.serviceAccountName);
      for (const reference of account?.imagePullSecrets ?? []) names.push(reference.name ?? '');
    }
    return names;
  };

  return {
    forPod(request) {
      const secrets: PullSecretObject[] = [];
      for (const name of secretNamesOf(request)) {
        if (name === '') continue;
        const secret = options.secrets.get(request.namespace, name);
        if (secret !== undefined) secrets.push(secret);
      }
      const key = cacheKey(request.namespace, secrets);
      const cached = key === undefined ? undefined : built.get(key);
      if (key !== undefined && cached !== undefined) {
        built.delete(key);
        built.set(key, cached);
        return cached;
      }
      const made = buildPodKeyring(secrets);
      const result: PodPullSecretsResult = made.ok
        ? { ok: true, keyring: made.keyring }
        : { ok: false, error: { message: made.error.message, secret: made.error.secret } };
      if (key !== undefined && maxEntries > 0) {
        built.set(key, result);
        if (built.size > maxEntries) {
          const oldest = built.keys().next();
          if (oldest.done !== true) built.delete(oldest.value);
        }
      }
      return result;
    },
    cachedKeyrings: () => built.size,
  };
}

/** Undefined when a Secret has no resourceVersion: then nothing says when it changed, so its keyring is not kept. */
function cacheKey(namespace: string, secrets: readonly PullSecretObject[]): string | undefined {
  const parts: string[] = [namespace];
  for (const secret of secrets) {
    const version = secret.metadata?.resourceVersion;
    if (version === undefined || version === '') return undefined;
    parts.push(secret.metadata?.name ?? '', version);
  }
  return JSON.stringify(parts);
}
