/**
 * Keeps a client-node informer alive. Its ListWatch emits `error` and stops on any failure but a 410 (list refused,
 * watch refused, connection reset), and a listener that throws would escape into its watch handling (where a throw
 * is swallowed as a "parse error" and the resourceVersion is not advanced) or reject its start. So: one callback per
 * verb fans out to our listeners, each in its own try/catch; an error schedules a restart after exponential
 * back-off; the cache is the informer's own and survives restarts (a restart resumes from the last resourceVersion,
 * or relists after a 410).
 */
import { PullguardError } from '../errors.ts';
import {
  type Backoff,
  backoffDelayMs,
  DEFAULT_INFORMER_BACKOFF,
  type InformerListener,
  type ResilientInformer,
} from './informer-types.ts';
import { toKubeError } from './kube-error.ts';

/** The part of client-node's ListWatch (informer + ObjectCache) that is supervised; tests give a fake. */
export interface InformerCore<T> {
  on(verb: 'add' | 'update' | 'delete', callback: (object: T) => void): void;
  on(verb: 'error', callback: (error?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): ReadonlyArray<T>;
}

/** Waits `ms`; resolves early when `signal` aborts (the caller then checks whether it was stopped). */
export type Delay = (ms: number, signal: AbortSignal) => Promise<void>;

export interface SuperviseOptions {
  readonly name: string;
  readonly backoff?: Backoff | undefined;
  readonly delay?: Delay | undefined;
  /** Called for every list/watch failure and every listener that threw; must not throw (if it does, it is ignored). */
  readonly onError?: ((error: PullguardError) => void) | undefined;
}

type Verb = 'add' | 'update' | 'delete';

interface Attempt {
  failure: PullguardError | undefined;
  /** Resolves when this attempt fails after it was watching, or when the informer is stopped. */
  readonly ended: Promise<void>;
  readonly end: () => void;
}

export function superviseInformer<T>(core: InformerCore<T>, options: SuperviseOptions): ResilientInformer<T> {
  const { name } = options;
  const backoff = options.backoff ?? DEFAULT_INFORMER_BACKOFF;
  const delay = options.delay ?? abortableDelay;
  const halt = new AbortController();
  const listeners: Record<Verb, Set<InformerListener<T>>> = { add: new Set(), update: new Set(), delete: new Set() };
  let started = false;
  let attempt: Attempt | undefined;
  let synced = false;
  let watching = false;
  let restarts = 0;
  let lastError: PullguardError | undefined;

  const sync = Promise.withResolvers<void>();
  // Nobody may be waiting when a never-synced informer is stopped: that rejection is not an unhandled one.
  sync.promise.catch(() => undefined);

  const report = (error: PullguardError) => {
    lastError = error;
    try {
      options.onError?.(error);
    } catch {
      // A failing error sink must not take the informer down.
    }
  };

  const dispatch = (verb: Verb, object: T) => {
    if (halt.signal.aborted) return;
    for (const listener of listeners[verb]) {
      try {
        listener(object);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        report(
          new PullguardError('KUBE_ERROR', `informer ${name}: a ${verb} listener threw: ${reason}`, { cause: error }),
        );
      }
    }
  };
  core.on('add', (object) => dispatch('add', object));
  core.on('update', (object) => dispatch('update', object));
  core.on('delete', (object) => dispatch('delete', object));

  core.on('error', (error) => {
    // Stopping aborts the watch request, which the ListWatch reports as an error.
    if (halt.signal.aborted) return;
    const failure = toKubeError(error, `informer ${name}`);
    report(failure);
    const current = attempt;
    if (current === undefined || current.failure !== undefined) return;
    current.failure = failure;
    watching = false;
    current.end();
  });

  const run = async () => {
    let failures = 0;
    while (!halt.signal.aborted) {
      const ended = Promise.withResolvers<void>();
      const current: Attempt = { failure: undefined, ended: ended.promise, end: ended.resolve };
      attempt = current;
      try {
        await core.start();
      } catch (error) {
        if (current.failure === undefined) {
          current.failure = toKubeError(error, `informer ${name}`);
          report(current.failure);
        }
      }
      if (halt.signal.aborted) break;
      if (current.failure === undefined) {
        failures = 0;
        watching = true;
        if (!synced) {
          synced = true;
          sync.resolve();
        }
        await current.ended;
        if (halt.signal.aborted) break;
      }
      watching = false;
      failures += 1;
      await delay(backoffDelayMs(failures, backoff), halt.signal);
      if (halt.signal.aborted) break;
      restarts += 1;
    }
    attempt = undefined;
    watching = false;
    // ListWatch does not re-check `stopped` after its list and before opening the watch: stop what it opened late.
    await core.stop();
  };

  const subscribe = (verb: Verb, listener: InformerListener<T>) => {
    // A wrapper per subscription, so one function subscribed twice is called twice and unsubscribed one at a time.
    const entry: InformerListener<T> = (object) => listener(object);
    listeners[verb].add(entry);
    return () => {
      listeners[verb].delete(entry);
    };
  };

  return {
    name,
    synced: sync.promise,
    start() {
      if (halt.signal.aborted) return Promise.reject(new PullguardError('KUBE_ERROR', `informer ${name} was stopped`));
      if (!started) {
        started = true;
        run().catch((error: unknown) => report(toKubeError(error, `informer ${name}`)));
      }
      return sync.promise;
    },
    async stop() {
      if (!halt.signal.aborted) {
        halt.abort();
        attempt?.end();
        if (!synced) sync.reject(new PullguardError('KUBE_ERROR', `informer ${name} stopped before it synced`));
      }
      await core.stop();
    },
    isSynced: () => synced,
    isWatching: () => watching,
    restarts: () => restarts,
    lastError: () => lastError,
    list: (namespace) => core.list(namespace) as readonly T[],
    get: (namespace, objectName) => core.get(objectName, namespace),
    onAdd: (listener) => subscribe('add', listener),
    onUpdate: (listener) => subscribe('update', listener),
    onDelete: (listener) => subscribe('delete', listener),
  };
}

/** setTimeout as a promise that resolves at once when `signal` aborts, clearing its timer. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
