/**
 * The time sources the work queue reads: a clock and one-shot timers, injected so that tests drive time by hand.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin: only differences matter). */
  now(): number;
}

/** A one-shot timer; the queue keeps at most one armed at a time. */
export interface Timers {
  /** Calls `callback` once after `delayMs`; the returned function cancels it (a no-op once it has fired). */
  schedule(callback: () => void, delayMs: number): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimers: Timers = {
  schedule(callback, delayMs) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    // A pending retry must not keep the process alive on its own.
    timer.unref();
    return () => clearTimeout(timer);
  },
};
