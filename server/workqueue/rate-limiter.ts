/**
 * Per-key exponential back-off, as client-go's ItemExponentialFailureRateLimiter: the n-th consecutive failure of
 * a key waits baseDelayMs * 2^(n-1), capped at maxDelayMs; `forget` starts the key over.
 */
export interface RateLimiter {
  /** The delay before the key's next retry; counts one more failure. */
  when(key: string): number;
  /** How many failures the key has had since it was last forgotten. */
  numRequeues(key: string): number;
  forget(key: string): void;
}

export interface ExponentialRateLimiterOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRateLimiterOptions: ExponentialRateLimiterOptions = { baseDelayMs: 500, maxDelayMs: 300_000 };

export function createExponentialRateLimiter(
  options: ExponentialRateLimiterOptions = defaultRateLimiterOptions,
): RateLimiter {
  const { baseDelayMs, maxDelayMs } = options;
  if (!(baseDelayMs > 0) || !(maxDelayMs >= baseDelayMs)) {
    throw new RangeError(`rate limiter needs 0 < baseDelayMs <= maxDelayMs (got ${baseDelayMs}, ${maxDelayMs})`);
  }
  const failures = new Map<string, number>();
  return {
    when(key) {
      const count = failures.get(key) ?? 0;
      failures.set(key, count + 1);
      // 2 ** count overflows to Infinity for huge counts, which Math.min caps.
      return Math.min(maxDelayMs, baseDelayMs * 2 ** count);
    },
    numRequeues: (key) => failures.get(key) ?? 0,
    forget(key) {
      failures.delete(key);
    },
  };
}
