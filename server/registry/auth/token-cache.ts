/**
 * Bearer tokens by key (registry + realm + service + scopes + credential identity) until they expire, bounded in
 * size. Pure: the wall clock is injected. Expiry counts from when the token was received, not from `issued_at`,
 * so a registry with a skewed clock cannot make us keep a token too long.
 */
export interface TokenCacheOptions {
  /** Wall-clock milliseconds. */
  readonly now: () => number;
  readonly maxEntries?: number | undefined;
}

interface Entry {
  readonly token: string;
  readonly expiresAt: number;
}

const DEFAULT_MAX_ENTRIES = 1000;

export class TokenCache {
  readonly #now: () => number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: TokenCacheOptions) {
    this.#now = options.now;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** The token, while it has not expired. */
  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#now() >= entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  set(key: string, token: string, lifetimeSeconds: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { token, expiresAt: this.#now() + lifetimeSeconds * 1000 });
    if (this.#entries.size > this.#maxEntries) this.#prune();
  }

  /** Forgets `key`, but only while it still holds `token` (a concurrent refresh may have replaced it). */
  invalidate(key: string, token: string): void {
    if (this.#entries.get(key)?.token === token) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (now >= entry.expiresAt) this.#entries.delete(key);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}

/** `expires_in` as distribution's client reads it: 60 s when absent or unreadable, and never less than 60 s. */
export const MINIMUM_TOKEN_LIFETIME_SECONDS = 60;

export function tokenLifetimeSeconds(expiresIn: unknown): number {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) return MINIMUM_TOKEN_LIFETIME_SECONDS;
  return Math.max(MINIMUM_TOKEN_LIFETIME_SECONDS, Math.floor(expiresIn));
}
