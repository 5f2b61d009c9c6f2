/**
 * The caBundle a webhook configuration needs, as a JSON patch (RFC 6902) against the object as read. Pure. Each
 * change is guarded by a `test` of the webhook's name at that index, so a list reordered in the meantime makes the
 * patch fail (and the caller re-read) instead of patching the wrong entry.
 */
export type WebhookConfigurationKind = 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration';

/** The part of a Validating/MutatingWebhookConfiguration this module reads (client-node's types fit it). */
export interface WebhookConfigurationLike {
  webhooks?: ReadonlyArray<{ name: string; clientConfig?: { caBundle?: string | undefined } | undefined }> | undefined;
}

export type JsonPatchOperation =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown };

export interface CaBundlePatchPlan {
  /** Empty when every selected webhook already carries the CA. */
  patch: JsonPatchOperation[];
  /** Webhooks the patch changes. */
  updated: string[];
  /** Requested webhook names the configuration does not have. */
  missing: string[];
}

/** The base64 form a caBundle field holds (the JSON encoding of a []byte holding the PEM). */
export function encodeCaBundle(caPem: string): string {
  return Buffer.from(caPem, 'utf8').toString('base64');
}

/** Same CA? Compares decoded PEM text, ignoring surrounding whitespace (a missing final newline is no change). */
export function isCurrentCaBundle(caBundle: string | undefined, caPem: string): boolean {
  if (!caBundle) return false;
  return Buffer.from(caBundle, 'base64').toString('utf8').trim() === caPem.trim();
}

/**
 * The patch that sets `webhooks[*].clientConfig.caBundle` to the CA, for the named webhooks (all of them when
 * `webhookNames` is undefined). Only webhooks whose caBundle differs are touched.
 */
export function buildCaBundlePatch(
  config: WebhookConfigurationLike,
  caPem: string,
  webhookNames?: readonly string[],
): CaBundlePatchPlan {
  const webhooks = config.webhooks ?? [];
  const wanted = webhookNames === undefined ? undefined : new Set(webhookNames);
  const caBundle = encodeCaBundle(caPem);
  const patch: JsonPatchOperation[] = [];
  const updated: string[] = [];
  webhooks.forEach((webhook, index) => {
    if (wanted && !wanted.has(webhook.name)) return;
    if (isCurrentCaBundle(webhook.clientConfig?.caBundle, caPem)) return;
    const base = `/webhooks/${index}`;
    patch.push({ op: 'test', path: `${base}/name`, value: webhook.name });
    // `add` on an existing member replaces it, so one op covers both "unset" and "stale".
    patch.push(
      webhook.clientConfig
        ? { op: 'add', path: `${base}/clientConfig/caBundle`, value: caBundle }
        : { op: 'add', path: `${base}/clientConfig`, value: { caBundle } },
    );
    updated.push(webhook.name);
  });
  const present = new Set(webhooks.map((webhook) => webhook.name));
  const missing = webhookNames === undefined ? [] : webhookNames.filter((name) => !present.has(name));
  return { patch, updated, missing };
}
