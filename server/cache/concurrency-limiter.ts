/**
 * Per-key (registry host) cap on calls in flight, with a FIFO queue for the rest, plus a "blocked until" per key for
 * `Retry-After`: while a key is blocked, calls (queued ones included) fail fast with a typed result instead of
 * reaching the registry. Pure: time comes from the injected clock and no timer is ever set — a block simply ends
 * when the clock passes it.
 */
export interface ConcurrencyLimiterOptions {
  /** Calls in flight per key. */
  readonly maxInFlight: number;
  /** Milliseconds, same clock as the `until` values given to `block`. */
  readonly now: () => number;
}

export interface Blocked {
  readonly status: 'blocked';
  /** Time left on the block, > 0. */
  readonly retryAfterMs: number;
}

export interface Aborted {
  readonly status: 'aborted';
}

export interface Acquired {
  readonly status: 'acquired';
  /** Frees the slot; calling it again does nothing. */
  readonly release: () => void;
}

export type AcquireResult = Acquired | Blocked | Aborted;

export type LimitedResult<T> = { readonly status: 'done'; readonly value: T } | Blocked | Aborted;

const aborted: Aborted = Object.freeze({ status: 'aborted' });

interface Waiter {
  readonly settle: (result: AcquireResult) => void;
}

interface KeyState {
  active: number;
  // A Set keeps insertion order (FIFO) and lets an aborted waiter leave in O(1).
  readonly queue: Set<Waiter>;
}

export class ConcurrencyLimiter {
  readonly #maxInFlight: number;
  readonly #now: () => number;
  readonly #states = new Map<string, KeyState>();
  readonly #blockedUntil = new Map<string, number>();

  constructor(options: ConcurrencyLimiterOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be a positive integer, got ${options.maxInFlight}`);
    }
    this.#maxInFlight = options.maxInFlight;
    this.#now = options.now;
  }

  /**
   * Runs `fn` once a slot for `key` is free. Resolves `blocked` at once while the key is blocked, `aborted` when
   * `signal` aborts before a slot came free; otherwise `done` with fn's value (fn's rejection propagates).
   */
  async run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<LimitedResult<T>> {
    const slot = await this.acquire(key, signal);
    if (slot.status !== 'acquired') return slot;
    try {
      return { status: 'done', value: await fn() };
    } finally {
      slot.release();
    }
  }

  /** Waits for a slot for `key` (FIFO). The caller must `release()` an acquired slot. */
  acquire(key: string, signal?: AbortSignal): Promise<AcquireResult> {
    const blocked = this.#checkBlocked(key);
    if (blocked !== undefined) return Promise.resolve(blocked);
    if (signal?.aborted === true) return Promise.resolve(aborted);
    const state = this.#stateOf(key);
    if (state.active < this.#maxInFlight) {
      state.active += 1;
      return Promise.resolve(this.#slot(key, state));
    }
    return new Promise<AcquireResult>((resolve) => {
      const onAbort = (): void => {
        state.queue.delete(waiter);
        this.#forgetIfIdle(key, state);
        resolve(aborted);
      };
      const waiter: Waiter = {
        settle: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      state.queue.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Blocks `key` until `until` (same clock as `now`); an earlier block never shortens a later one. */
  block(key: string, until: number): void {
    const current = this.#blockedUntil.get(key) ?? Number.NEGATIVE_INFINITY;
    if (until > current) this.#blockedUntil.set(key, until);
    const blocked = this.#checkBlocked(key);
    const state = this.#states.get(key);
    if (blocked === undefined || state === undefined) return;
    // Waiters would only reach a host that asked us to back off: fail them now.
    for (const waiter of state.queue) waiter.settle(blocked);
    state.queue.clear();
    this.#forgetIfIdle(key, state);
  }

  unblock(key: string): void {
    this.#blockedUntil.delete(key);
  }

  /** Milliseconds left on the block of `key`, 0 when it is not blocked. */
  blockedFor(key: string): number {
    return this.#checkBlocked(key)?.retryAfterMs ?? 0;
  }

  inFlight(key: string): number {
    return this.#states.get(key)?.active ?? 0;
  }

  waiting(key: string): number {
    return this.#states.get(key)?.queue.size ?? 0;
  }

  #checkBlocked(key: string): Blocked | undefined {
    const until = this.#blockedUntil.get(key);
    if (until === undefined) return undefined;
    const retryAfterMs = until - this.#now();
    if (retryAfterMs > 0) return { status: 'blocked', retryAfterMs };
    this.#blockedUntil.delete(key);
    return undefined;
  }

  #stateOf(key: string): KeyState {
    let state = this.#states.get(key);
    if (state === undefined) {
      state = { active: 0, queue: new Set() };
      this.#states.set(key, state);
    }
    return state;
  }

  #slot(key: string, state: KeyState): Acquired {
    let released = false;
    return {
      status: 'acquired',
      release: () => {
        if (released) return;
        released = true;
        state.active -= 1;
        this.#handOver(key, state);
      },
    };
  }

  #handOver(key: string, state: KeyState): void {
    while (state.active < this.#maxInFlight && state.queue.size > 0) {
      const next = state.queue.values().next();
      if (next.done === true) break;
      state.queue.delete(next.value);
      const blocked = this.#checkBlocked(key);
      if (blocked !== undefined) {
        next.value.settle(blocked);
        continue;
      }
      state.active += 1;
      next.value.settle(this.#slot(key, state));
    }
    this.#forgetIfIdle(key, state);
  }

  #forgetIfIdle(key: string, state: KeyState): void {
    if (state.active === 0 && state.queue.size === 0 && this.#states.get(key) === state) this.#states.delete(key);
  }
}
