/**
 * The result of one shared lookup, before any per-request platform check: what the cache keeps and what every
 * coalesced caller receives. Built from the client's ManifestLookup, or from a failure that never reached it.
 */
import type { ManifestLookup, Platform } from '../registry/types.ts';

export interface LookupAnswer {
  readonly outcome: ManifestLookup['outcome'];
  readonly detail: string;
  readonly digest?: string | undefined;
  readonly mediaType?: string | undefined;
  readonly platforms?: readonly Platform[] | undefined;
}

const failureMessageMax = 160;

export function answerFromLookup(lookup: ManifestLookup, registry: string): LookupAnswer {
  const host = lookup.answer.host === '' ? registry : lookup.answer.host;
  const summary =
    lookup.answer.summary !== ''
      ? lookup.answer.summary
      : `answered ${[lookup.answer.status ?? 'without a status', ...lookup.answer.codes].join(' ')}`;
  return {
    outcome: lookup.outcome,
    detail: `${host} ${summary}`,
    ...(lookup.digest === undefined ? {} : { digest: lookup.digest }),
    ...(lookup.mediaType === undefined ? {} : { mediaType: lookup.mediaType }),
    ...(lookup.platforms === undefined ? {} : { platforms: lookup.platforms }),
  };
}

export function rateLimitedAnswer(registry: string, retryAfterMs: number): LookupAnswer {
  return {
    outcome: 'unreachable',
    detail: `rate limited by ${registry}, retry after ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`,
  };
}

export function timedOutAnswer(timeoutMs: number, registry: string, queued: boolean): LookupAnswer {
  const where = queued ? ` waiting behind other lookups to ${registry}` : '';
  return { outcome: 'unreachable', detail: `timed out after ${timeoutMs} ms${where}` };
}

/** The client is meant to turn every failure into a ManifestLookup; this covers one that threw anyway. */
export function failedAnswer(registry: string, error: unknown): LookupAnswer {
  const message = error instanceof Error ? error.message : String(error);
  const short = message.length > failureMessageMax ? `${message.slice(0, failureMessageMax)}…` : message;
  return { outcome: 'unreachable', detail: `lookup at ${registry} failed: ${short}` };
}
