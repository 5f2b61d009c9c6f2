/**
 * A bounded map whose entries expire: an expired entry is a miss, and past `maxEntries` the least recently used
 * entry goes. Pure: time comes from the injected clock, and nothing runs in the background (expired entries are
 * dropped when touched, or by `prune()`).
 */
export interface TtlLruCacheOptions {
  readonly maxEntries: number;
  /** Milliseconds, monotonic enough for TTLs (e.g. `performance.now` or a test's fake clock). */
  readonly now: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export class TtlLruCache<K, V> {
  readonly #maxEntries: number;
  readonly #now: () => number;
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used entry first.
  readonly #entries = new Map<K, Entry<V>>();

  constructor(options: TtlLruCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    this.#maxEntries = options.maxEntries;
    this.#now = options.now;
  }

  /** The live value for `key`, or undefined when absent or expired. A hit makes the entry most recently used. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` for `ttlMs` (Infinity = until evicted); a ttl ≤ 0 or NaN stores nothing and drops any old entry. */
  set(key: K, value: V, ttlMs: number): void {
    this.#entries.delete(key);
    if (!(ttlMs > 0)) return;
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Drops every expired entry; returns how many went. */
  prune(): number {
    const now = this.#now();
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  /** Stored entries, including expired ones not yet touched (call `prune()` first for an exact live count). */
  get size(): number {
    return this.#entries.size;
  }
}
