/** A hand-driven clock and timers (the shapes of server/workqueue/clock.ts) for unit tests: no sleeps. */
import type { Clock, Timers } from '../../server/workqueue/clock.ts';

export interface FakeTime extends Clock, Timers {
  /** Moves time forward by `ms`, firing due timers in time order (each sees its own due time as now). */
  advance(ms: number): void;
  /** Timers armed and not yet fired or cancelled. */
  pending(): number;
}

export function createFakeTime(start = 1_000_000): FakeTime {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    schedule(callback, delayMs) {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, delayMs), callback });
      return () => {
        timers.delete(id);
      };
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let next: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].callback();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}
