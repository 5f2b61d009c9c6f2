/**
 * The informer pullguard hands around: client-node's cache behind a small interface of plain objects, so callers
 * (auth/pull-secrets, the controller, /readyz, metrics) never touch client-node itself.
 */
import type { PullguardError } from '../errors.ts';

export type InformerListener<T> = (object: T) => void;

export interface ResilientInformer<T> {
  readonly name: string;
  /** Resolves the first time the cache is filled and the watch is connected; rejects if stopped before that. */
  readonly synced: Promise<void>;
  /** Starts listing and watching (once); resolves like `synced`. Errors are retried, never thrown. */
  start(): Promise<void>;
  /** Stops for good: no more restarts or listener calls. */
  stop(): Promise<void>;
  /** True once synced, and stays true: the cache keeps serving (possibly stale) objects while a watch restarts. */
  isSynced(): boolean;
  /** True while a watch is connected; false between an error and the restart that recovers from it. */
  isWatching(): boolean;
  /** How many times the informer was restarted after an error (for a metric). */
  restarts(): number;
  /** The last list, watch or listener failure, for logs and health detail. */
  lastError(): PullguardError | undefined;
  /** Every cached object (of one namespace when given). The objects are the cache's own: do not mutate them. */
  list(namespace?: string): readonly T[];
  /** A cached object; `namespace` is '' for cluster-scoped kinds. */
  get(namespace: string, name: string): T | undefined;
  /** Listeners run synchronously inside watch handling: keep them cheap (enqueue a key). Each returns an unsubscribe. */
  onAdd(listener: InformerListener<T>): () => void;
  onUpdate(listener: InformerListener<T>): () => void;
  onDelete(listener: InformerListener<T>): () => void;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_INFORMER_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };

/** The delay before restart number `failures` (1-based): initialMs · 2^(failures-1), capped at maxMs. */
export function backoffDelayMs(failures: number, backoff: Backoff): number {
  if (failures < 1) return 0;
  const exponent = Math.min(failures - 1, 52);
  return Math.min(backoff.initialMs * 2 ** exponent, backoff.maxMs);
}
