/**
 * A stand-in for client-node's ListWatch with the behaviour the supervisor relies on: `start()` lists and connects
 * (here: follows a script of outcomes), a failure emits `error` and the core stays stopped until started again,
 * callbacks run synchronously, and the object cache survives restarts.
 */
import type { InformerCore } from '../../../../server/kube/informer-supervisor.ts';

export interface FakeObject {
  metadata: { namespace?: string; name: string; resourceVersion?: string };
}

/** What one `start()` does: connect, fail with an error (as the ListWatch emits it), or hang until released. */
export type StartOutcome = { ok: true } | { error: unknown } | { hang: PromiseWithResolvers<void> };

export class FakeInformerCore<T extends FakeObject> implements InformerCore<T> {
  readonly callbacks = {
    add: [] as ((o: T) => void)[],
    update: [] as ((o: T) => void)[],
    delete: [] as ((o: T) => void)[],
    error: [] as ((e?: unknown) => void)[],
  };
  readonly objects = new Map<string, T>();
  readonly script: StartOutcome[];
  starts = 0;
  stops = 0;

  constructor(script: StartOutcome[] = []) {
    this.script = script;
  }

  on(verb: 'add' | 'update' | 'delete', callback: (object: T) => void): void;
  on(verb: 'error', callback: (error?: unknown) => void): void;
  on(verb: 'add' | 'update' | 'delete' | 'error', callback: (value: never) => void): void {
    (this.callbacks[verb] as unknown[]).push(callback);
  }

  async start(): Promise<void> {
    this.starts += 1;
    const outcome = this.script.shift() ?? { ok: true };
    if ('hang' in outcome) {
      await outcome.hang.promise;
      return;
    }
    if ('error' in outcome) this.fail(outcome.error);
  }

  async stop(): Promise<void> {
    this.stops += 1;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }

  list(namespace?: string): ReadonlyArray<T> {
    return [...this.objects.values()].filter((o) => !namespace || o.metadata.namespace === namespace);
  }

  /** A watch event, applied to the cache before the callbacks run (as ListWatch does). */
  emit(verb: 'add' | 'update' | 'delete', object: T): void {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (verb === 'delete') this.objects.delete(key);
    else this.objects.set(key, object);
    for (const callback of this.callbacks[verb]) callback(object);
  }

  /** The watch (or list) failed: the ListWatch emits `error` and stops. */
  fail(error: unknown): void {
    for (const callback of this.callbacks.error) callback(error);
  }
}

/** Lets queued promise continuations run (no timers involved). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A restart delay that never sleeps: records each request and resolves at once (or when released). */
export function recordingDelay(options: { hold?: boolean } = {}) {
  const requested: number[] = [];
  const held: PromiseWithResolvers<void>[] = [];
  const delay = (ms: number, signal: AbortSignal) => {
    requested.push(ms);
    if (!options.hold) return Promise.resolve();
    const wait = Promise.withResolvers<void>();
    held.push(wait);
    signal.addEventListener('abort', () => wait.resolve(), { once: true });
    return wait.promise;
  };
  return { delay, requested, held };
}

export function watchError(status: number): Error {
  return Object.assign(new Error(status === 403 ? 'Forbidden' : 'Error'), { statusCode: status });
}
