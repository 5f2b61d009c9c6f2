/** The resolver's public vocabulary: what admission asks, and what it gets back for one image. */
import type { Credential } from '../auth/keyring.ts';
import type { ImageReference } from '../reference/index.ts';
import type { ManifestLookup, Outcome, Platform } from '../registry/types.ts';

export interface ResolveRequest {
  /** The image string as written in the Pod. */
  readonly image: string;
  /** The keyring lookup result, in order ([] = anonymous). */
  readonly credentials: readonly Credential[];
  /** Candidate node platforms; empty or undefined = no platform check. */
  readonly platforms?: readonly Platform[] | undefined;
  /** The review's deadline: when it aborts, this call answers `unreachable` at once. */
  readonly signal: AbortSignal;
}

export interface Resolution {
  /** Never 'skipped' here: exemptions are decided by admission. */
  readonly outcome: Outcome;
  readonly image: string;
  readonly reference?: ImageReference | undefined;
  readonly digest?: string | undefined;
  readonly mediaType?: string | undefined;
  /** The index's platforms (attestations left out), when the manifest is an index. */
  readonly platforms?: readonly Platform[] | undefined;
  /** The registry host, for messages and metrics ('' when the reference is invalid). */
  readonly registry: string;
  /** Short human reason: 'ghcr.io answered 404 MANIFEST_UNKNOWN', 'invalid reference format', … */
  readonly detail: string;
  /** Platform fallbacks, platforms some candidate nodes lack, parser compatibility warnings. */
  readonly warnings: readonly string[];
  /** Where the answer came from; 'parser' = an invalid reference, decided without a lookup. */
  readonly source: 'cache' | 'registry' | 'coalesced' | 'parser';
}

/** What the resolver needs from the registry client (server/registry/client.ts). */
export interface ManifestLookupRequest {
  readonly reference: ImageReference;
  readonly credentials: readonly Credential[];
  readonly signal: AbortSignal;
  readonly wantPlatforms: boolean;
}

export interface ManifestClient {
  lookupManifest(request: ManifestLookupRequest): Promise<ManifestLookup>;
}

export interface ResolverTtl {
  /** Present, by tag (default 5 min). */
  readonly tagMs?: number | undefined;
  /** Present, by digest (default 6 h). */
  readonly digestMs?: number | undefined;
  /** Absent and unauthorized (default 30 s). */
  readonly absentMs?: number | undefined;
}

export interface ResolverOptions {
  readonly client: ManifestClient;
  /** Milliseconds, for TTLs and Retry-After blocks. */
  readonly now: () => number;
  readonly ttl?: ResolverTtl | undefined;
  /** Cache size (default 10 000). */
  readonly maxEntries?: number | undefined;
  /** Lookups in flight per registry host (default 16). */
  readonly maxConcurrentPerRegistry?: number | undefined;
  /** The shared lookup's own deadline, queueing for a slot included (default 8000). */
  readonly lookupTimeoutMs?: number | undefined;
  /** Longest Retry-After honoured (default 10 min): a registry cannot switch lookups off for hours. */
  readonly maxRetryAfterMs?: number | undefined;
  /** Makes the shared lookup's deadline signal (default `AbortSignal.timeout`, whose timer never holds the process). */
  readonly createDeadline?: ((ms: number) => AbortSignal) | undefined;
}

export interface ResolverStats {
  /** Resolves answered from the cache. */
  readonly hits: number;
  /** Resolves of a valid reference not answered from the cache (coalesced ones included). */
  readonly misses: number;
  /** Misses that joined a lookup already in flight. */
  readonly coalesced: number;
  /** Lookups started (each one a call to the registry client, unless its host was blocked). */
  readonly lookups: number;
  /** Cache entries (expired ones not yet touched included). */
  readonly entries: number;
}
