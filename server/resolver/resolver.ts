/**
 * The resolver facade: image string → Resolution, via parse → cache → coalesce → per-host limit → registry client.
 *
 * One cached lookup serves every platform question (platforms are always asked for, and checked per request
 * after), so the key is the reference plus the credential identities, in order. The lookup shared by concurrent
 * callers belongs to none of them: it runs under its own deadline and fills the cache even when every caller has
 * given up, and a caller whose review deadline passes gets `unreachable` at once.
 */
import type { Credential } from '../auth/keyring.ts';
import { credentialIdentity } from '../auth/keyring.ts';
import { ConcurrencyLimiter } from '../cache/concurrency-limiter.ts';
import { SingleFlight } from '../cache/single-flight.ts';
import { TtlLruCache } from '../cache/ttl-lru-cache.ts';
import { compatibilityWarnings, type ImageReference, registryHost, tryParseReference } from '../reference/index.ts';
import type { ManifestLookup } from '../registry/types.ts';
import {
  answerFromLookup,
  failedAnswer,
  type LookupAnswer,
  rateLimitedAnswer,
  timedOutAnswer,
} from './lookup-answer.ts';
import { judgePlatforms } from './platform-verdict.ts';
import type { ManifestClient, Resolution, ResolveRequest, ResolverOptions, ResolverStats } from './types.ts';

export type {
  ManifestClient,
  ManifestLookupRequest,
  Resolution,
  ResolveRequest,
  ResolverOptions,
  ResolverStats,
  ResolverTtl,
} from './types.ts';

const defaults = {
  tagMs: 5 * 60_000,
  digestMs: 6 * 60 * 60_000,
  absentMs: 30_000,
  maxEntries: 10_000,
  maxConcurrentPerRegistry: 16,
  lookupTimeoutMs: 8_000,
  maxRetryAfterMs: 10 * 60_000,
} as const;

const deadlineDetail = "no answer within the review's deadline";

export class Resolver {
  readonly #client: ManifestClient;
  readonly #now: () => number;
  readonly #ttl: { readonly tagMs: number; readonly digestMs: number; readonly absentMs: number };
  readonly #lookupTimeoutMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #createDeadline: (ms: number) => AbortSignal;
  readonly #cache: TtlLruCache<string, LookupAnswer>;
  readonly #flights = new SingleFlight<string, LookupAnswer>();
  readonly #limiter: ConcurrencyLimiter;
  // credentialIdentity hashes; keyring results hand out the same Credential objects, so remember per object.
  readonly #identities = new WeakMap<Credential, string>();
  #hits = 0;
  #misses = 0;

  constructor(options: ResolverOptions) {
    this.#client = options.client;
    this.#now = options.now;
    this.#ttl = {
      tagMs: options.ttl?.tagMs ?? defaults.tagMs,
      digestMs: options.ttl?.digestMs ?? defaults.digestMs,
      absentMs: options.ttl?.absentMs ?? defaults.absentMs,
    };
    this.#lookupTimeoutMs = options.lookupTimeoutMs ?? defaults.lookupTimeoutMs;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? defaults.maxRetryAfterMs;
    this.#createDeadline = options.createDeadline ?? ((ms) => AbortSignal.timeout(ms));
    this.#cache = new TtlLruCache({ maxEntries: options.maxEntries ?? defaults.maxEntries, now: options.now });
    this.#limiter = new ConcurrencyLimiter({
      maxInFlight: options.maxConcurrentPerRegistry ?? defaults.maxConcurrentPerRegistry,
      now: options.now,
    });
  }

  async resolve(request: ResolveRequest): Promise<Resolution> {
    const parsed = tryParseReference(request.image);
    if (!parsed.ok) {
      return {
        outcome: 'invalid',
        image: request.image,
        registry: '',
        detail: parsed.error.detail,
        warnings: [],
        source: 'parser',
      };
    }
    const reference = parsed.reference;
    const registry = registryOf(reference);
    const key = this.#keyOf(reference, request.credentials);

    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#hits += 1;
      return this.#finish(request, reference, registry, cached, 'cache');
    }
    this.#misses += 1;
    const source = this.#flights.has(key) ? 'coalesced' : 'registry';
    let answer: LookupAnswer;
    try {
      answer = await this.#flights.run(key, () => this.#lookup(key, reference, registry, request.credentials), {
        signal: request.signal,
      });
    } catch (error) {
      // #lookup never rejects: this is the caller's own deadline (or, defensively, a bug in the client wrapper).
      answer = request.signal.aborted
        ? { outcome: 'unreachable', detail: deadlineDetail }
        : failedAnswer(registry, error);
    }
    return this.#finish(request, reference, registry, answer, source);
  }

  /**
   * The answer `resolve` would give from the cache alone, or undefined when it would have to ask the registry.
   * Synchronous: a review whose images are all cached needs no deadline timer and no await per image.
   */
  peek(request: Omit<ResolveRequest, 'signal'>): Resolution | undefined {
    const parsed = tryParseReference(request.image);
    if (!parsed.ok) return undefined;
    const reference = parsed.reference;
    const cached = this.#cache.get(this.#keyOf(reference, request.credentials));
    if (cached === undefined) return undefined;
    this.#hits += 1;
    return this.#finish(request, reference, registryOf(reference), cached, 'cache');
  }

  stats(): ResolverStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      coalesced: this.#flights.coalesced,
      lookups: this.#flights.started,
      entries: this.#cache.size,
    };
  }

  /** The shared lookup: never rejects, caches what may be cached, and notes Retry-After. */
  async #lookup(
    key: string,
    reference: ImageReference,
    registry: string,
    credentials: readonly Credential[],
  ): Promise<LookupAnswer> {
    const signal = this.#createDeadline(this.#lookupTimeoutMs);
    let lookup: ManifestLookup;
    try {
      const limited = await this.#limiter.run(
        registry,
        async () => {
          const answered = await this.#client.lookupManifest({ reference, credentials, signal, wantPlatforms: true });
          // Before the slot is released: lookups queued for this host must see the block, not the registry.
          this.#noteRetryAfter(registry, answered);
          return answered;
        },
        signal,
      );
      if (limited.status === 'blocked') return rateLimitedAnswer(registry, limited.retryAfterMs);
      if (limited.status === 'aborted') return timedOutAnswer(this.#lookupTimeoutMs, registry, true);
      lookup = limited.value;
    } catch (error) {
      return signal.aborted ? timedOutAnswer(this.#lookupTimeoutMs, registry, false) : failedAnswer(registry, error);
    }
    const answer = answerFromLookup(lookup, registry);
    const ttlMs = this.#ttlOf(answer, reference);
    if (ttlMs > 0) this.#cache.set(key, answer, ttlMs);
    return answer;
  }

  /** A host that asked us to back off (429/503 with Retry-After) gets no lookups until then, capped. */
  #noteRetryAfter(registry: string, lookup: ManifestLookup): void {
    if (lookup.outcome !== 'unreachable' || lookup.retryAfterMs === undefined || !(lookup.retryAfterMs > 0)) return;
    this.#limiter.block(registry, this.#now() + Math.min(lookup.retryAfterMs, this.#maxRetryAfterMs));
  }

  #ttlOf(answer: LookupAnswer, reference: ImageReference): number {
    switch (answer.outcome) {
      case 'present':
        return reference.digest !== null ? this.#ttl.digestMs : this.#ttl.tagMs;
      case 'absent':
      case 'unauthorized':
        return this.#ttl.absentMs;
      case 'unreachable':
        return 0;
    }
  }

  #finish(
    request: Omit<ResolveRequest, 'signal'>,
    reference: ImageReference,
    registry: string,
    answer: LookupAnswer,
    source: Resolution['source'],
  ): Resolution {
    const warnings = compatibilityWarnings(reference);
    let outcome: Resolution['outcome'] = answer.outcome;
    let detail = answer.detail;
    const candidates = request.platforms ?? [];
    const available = answer.platforms ?? [];
    // Only an index can lack a platform; a single manifest is pulled whatever its architecture (REGISTRY.md §7).
    if (answer.outcome === 'present' && candidates.length > 0 && available.length > 0) {
      const verdict = judgePlatforms(candidates, available);
      if (verdict.missing) {
        outcome = 'platform-missing';
        detail = verdict.detail;
      }
      warnings.push(...verdict.warnings);
    }
    return {
      outcome,
      image: request.image,
      reference,
      ...(answer.digest === undefined ? {} : { digest: answer.digest }),
      ...(answer.mediaType === undefined ? {} : { mediaType: answer.mediaType }),
      ...(answer.platforms === undefined ? {} : { platforms: answer.platforms }),
      registry,
      detail,
      warnings,
      source,
    };
  }

  #keyOf(reference: ImageReference, credentials: readonly Credential[]): string {
    if (credentials.length === 0) return `${reference.ref} ${credentialIdentity(null)}`;
    return `${reference.ref} ${credentials.map((credential) => this.#identityOf(credential)).join(',')}`;
  }

  #identityOf(credential: Credential): string {
    let identity = this.#identities.get(credential);
    if (identity === undefined) {
      identity = credentialIdentity(credential);
      this.#identities.set(credential, identity);
    }
    return identity;
  }
}

/** The host named in messages, metrics, limits and Retry-After blocks: `docker.io`, `ghcr.io`, `localhost:5000`. */
function registryOf(reference: ImageReference): string {
  return reference.domain === '' ? registryHost(reference) : reference.domain;
}
