/** A fake clock with timers, and an in-memory Lease store with resourceVersion checks and injectable failures. */
import type { LeaseApi, StoredLease } from '../../../../server/kube/lease-api.ts';
import type { ElectorClock } from '../../../../server/kube/lease-lock.ts';
import type { LeaseRecord } from '../../../../server/kube/lease-timing.ts';
import { settle } from './fake-informer-core.ts';

interface Sleeper {
  at: number;
  resolve: () => void;
}

export class FakeClock implements ElectorClock {
  time = 1_000_000;
  #sleepers: Sleeper[] = [];

  now = (): number => this.time;

  sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = { at: this.time + ms, resolve };
      this.#sleepers.push(sleeper);
      signal.addEventListener(
        'abort',
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  };

  /** Moves time forward, waking each due sleeper in time order and letting what it starts run. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const due = this.#sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      this.time = Math.max(this.time, due.at);
      due.resolve();
      await settle();
    }
    this.time = target;
  }
}

export class MemoryLeaseApi implements LeaseApi {
  stored: StoredLease | undefined;
  #version = 0;
  /** The next N calls fail with this error. */
  failures: { count: number; error: Error } = { count: 0, error: new Error('boom') };
  /** Calls never answer while true. */
  hang = false;
  writes: { holder: string | null; by: 'create' | 'replace' }[] = [];

  async read(): Promise<StoredLease | undefined> {
    await this.#gate();
    return this.stored;
  }

  async create(_namespace: string, _name: string, record: LeaseRecord): Promise<StoredLease | 'conflict'> {
    await this.#gate();
    if (this.stored !== undefined) return 'conflict';
    this.writes.push({ holder: record.holderIdentity, by: 'create' });
    return this.#store(record);
  }

  async replace(_ns: string, _name: string, record: LeaseRecord, version: string): Promise<StoredLease | 'conflict'> {
    await this.#gate();
    if (this.stored === undefined || this.stored.resourceVersion !== version) return 'conflict';
    this.writes.push({ holder: record.holderIdentity, by: 'replace' });
    return this.#store(record);
  }

  /** Someone else writes the Lease directly. */
  put(record: LeaseRecord): void {
    this.#store(record);
  }

  #store(record: LeaseRecord): StoredLease {
    this.#version += 1;
    this.stored = { record, resourceVersion: String(this.#version) };
    return this.stored;
  }

  async #gate(): Promise<void> {
    if (this.hang) await new Promise(() => undefined);
    if (this.failures.count > 0) {
      this.failures.count -= 1;
      throw this.failures.error;
    }
  }
}
