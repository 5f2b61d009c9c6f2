/**
 * A keyed work queue with client-go's semantics (util/workqueue: queue.go, delaying_queue.go,
 * rate_limiting_queue.go), for level-triggered controllers whose items are keys, never events:
 * - a key waiting in the queue is there once however often it is added (the dirty set);
 * - a key handed out by `get` is processing until `done`; adding it meanwhile marks it dirty, and `done` queues it
 *   again, so one key never has two reconciles at once and a change seen mid-reconcile is not lost;
 * - `addAfter` delays a key; when a key is added again before it is ready, the earliest ready time wins;
 * - `addRateLimited` delays a key by its own exponential back-off, `forget` resets that back-off;
 * - `shutdown` stops intake and resolves once the keys being processed are done (see ShutdownOptions).
 * Pure: time comes from the injected clock and timers.
 */
import { type Clock, systemClock, systemTimers, type Timers } from './clock.ts';
import { DelayHeap } from './delay-heap.ts';
import { createExponentialRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions {
  clock?: Clock | undefined;
  timers?: Timers | undefined;
  rateLimiter?: RateLimiter | undefined;
}

export interface ShutdownOptions {
  /**
   * true (the default): keys already ready are still handed out until none is left. false: they are dropped and
   * every waiting `get` resolves undefined at once (a controller that lost its lease must stop acting). Delayed keys
   * are dropped either way.
   */
  drain?: boolean | undefined;
}

export interface WorkQueue {
  /** Queues `key` now (a no-op when it is already waiting, or after shutdown). */
  add(key: string): void;
  /** Queues `key` after `delayMs` (≤ 0: now); an earlier pending ready time for the key is kept. */
  addAfter(key: string, delayMs: number): void;
  /** Queues `key` after its next back-off delay. */
  addRateLimited(key: string): void;
  /** Clears the key's back-off (after a successful reconcile). */
  forget(key: string): void;
  /** Back-off retries of `key` since it was last forgotten. */
  numRequeues(key: string): number;
  /** The next ready key, now marked processing; undefined once the queue has shut down (and, draining, emptied). */
  get(): Promise<string | undefined>;
  /** Ends the processing of `key`; a key added meanwhile is queued again. */
  done(key: string): void;
  /** Keys ready and waiting for a worker. */
  len(): number;
  /** Keys waiting for a later ready time. */
  delayedLen(): number;
  /** Keys handed out and not yet done. */
  processingLen(): number;
  isShuttingDown(): boolean;
  /** Stops intake; resolves when no key is processing (and, draining, none is left waiting). Idempotent. */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

export function createWorkQueue(options: WorkQueueOptions = {}): WorkQueue {
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const limiter = options.rateLimiter ?? createExponentialRateLimiter();

  // Insertion-ordered: the first key is the next one out. Every queued key is also dirty.
  const queue = new Set<string>();
  const dirty = new Set<string>();
  const processing = new Set<string>();
  const delayed = new DelayHeap();
  const getters: ((key: string | undefined) => void)[] = [];

  let shuttingDown = false;
  let draining = true;
  let cancelTimer: (() => void) | undefined;
  let armedFor: number | undefined;
  let shutdownPromise: Promise<void> | undefined;
  let resolveShutdown: (() => void) | undefined;

  const isFinished = () => processing.size === 0 && (!draining || queue.size === 0);

  const settleShutdown = () => {
    if (!shuttingDown) return;
    if (!draining || queue.size === 0) {
      for (const getter of getters.splice(0)) getter(undefined);
    }
    if (isFinished() && resolveShutdown) {
      resolveShutdown();
      resolveShutdown = undefined;
    }
  };

  const handOut = (key: string) => {
    queue.delete(key);
    dirty.delete(key);
    processing.add(key);
  };

  const enqueue = (key: string) => {
    const getter = getters.shift();
    if (getter) {
      dirty.add(key);
      handOut(key);
      getter(key);
      return;
    }
    queue.add(key);
  };

  const add = (key: string) => {
    if (shuttingDown) return;
    // Ready now beats any later ready time.
    if (delayed.has(key)) {
      delayed.delete(key);
      armTimer();
    }
    if (dirty.has(key)) return;
    dirty.add(key);
    if (processing.has(key)) return;
    enqueue(key);
  };

  const fireTimer = () => {
    cancelTimer = undefined;
    armedFor = undefined;
    for (const key of delayed.takeReady(clock.now())) add(key);
    armTimer();
  };

  function armTimer(): void {
    const next = delayed.peekReadyAt();
    if (next === armedFor) return;
    cancelTimer?.();
    cancelTimer = undefined;
    armedFor = next;
    if (next === undefined) return;
    cancelTimer = timers.schedule(fireTimer, next - clock.now());
  }

  const addAfter = (key: string, delayMs: number) => {
    if (shuttingDown) return;
    if (!(delayMs > 0)) {
      add(key);
      return;
    }
    // Dirty means it runs as soon as a worker (or its current reconcile) is free: earlier than any delay.
    if (dirty.has(key)) return;
    delayed.schedule(key, clock.now() + delayMs);
    armTimer();
  };

  return {
    add,
    addAfter,
    addRateLimited: (key) => addAfter(key, limiter.when(key)),
    forget: (key) => limiter.forget(key),
    numRequeues: (key) => limiter.numRequeues(key),

    get() {
      if (shuttingDown && (!draining || queue.size === 0)) return Promise.resolve(undefined);
      const first = queue.values().next();
      if (!first.done) {
        handOut(first.value);
        return Promise.resolve(first.value);
      }
      return new Promise((resolve) => getters.push(resolve));
    },

    done(key) {
      if (!processing.delete(key)) return;
      if (dirty.has(key)) {
        if (shuttingDown && !draining) dirty.delete(key);
        else enqueue(key);
      }
      settleShutdown();
    },

    len: () => queue.size,
    delayedLen: () => delayed.size,
    processingLen: () => processing.size,
    isShuttingDown: () => shuttingDown,

    shutdown(shutdownOptions = {}) {
      if (!shuttingDown) {
        shuttingDown = true;
        draining = shutdownOptions.drain ?? true;
        cancelTimer?.();
        cancelTimer = undefined;
        armedFor = undefined;
        delayed.clear();
        if (!draining) {
          for (const key of queue) dirty.delete(key);
          queue.clear();
        }
        shutdownPromise = new Promise((resolve) => {
          resolveShutdown = resolve;
        });
      } else if (shutdownOptions.drain === false && draining) {
        // A second, harder shutdown while draining: stop handing out what is left.
        draining = false;
        for (const key of queue) dirty.delete(key);
        queue.clear();
      }
      settleShutdown();
      return shutdownPromise as Promise<void>;
    },
  };
}
