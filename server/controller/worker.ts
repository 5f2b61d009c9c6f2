/**
 * A worker: take a key, reconcile it, and turn the one result into one queue action (controller-runtime's
 * reconcileHandler): done → forget the key's back-off; requeue → forget, then add after the delay; retry → add with
 * the key's back-off, until maxRetries, after which the key is dropped with a log line (bounded retries: the next
 * informer event or resync brings it back). A thrown reconcile is a retry.
 */
import type { Logger } from 'pino';
import { PullguardError } from '../errors.ts';
import type { WorkQueue } from '../workqueue/work-queue.ts';
import type { ReconcileResult } from './reconcile.ts';

export interface WorkerOptions {
  readonly queue: WorkQueue;
  readonly reconcile: (key: string, signal: AbortSignal) => Promise<ReconcileResult>;
  readonly signal: AbortSignal;
  readonly maxRetries: number;
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
  /** Called when a key is dropped after maxRetries. */
  readonly onDropped?: ((key: string, error: PullguardError) => void) | undefined;
}

/** Runs until the queue shuts down. */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const { queue } = options;
  const now = options.now ?? Date.now;
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    const started = now();
    let result: ReconcileResult;
    try {
      result = await options.reconcile(key, options.signal);
    } catch (error) {
      result = {
        kind: 'retry',
        error:
          error instanceof PullguardError
            ? error
            : new PullguardError('KUBE_ERROR', `reconcile of ${key} threw: ${String(error)}`, { cause: error }),
      };
    }
    try {
      applyResult(options, key, result, now() - started);
    } finally {
      queue.done(key);
    }
  }
}

function applyResult(options: WorkerOptions, key: string, result: ReconcileResult, durationMs: number): void {
  const { queue, logger } = options;
  switch (result.kind) {
    case 'done':
      queue.forget(key);
      return;
    case 'requeue':
      queue.forget(key);
      queue.addAfter(key, result.afterMs);
      return;
    case 'retry': {
      const retries = queue.numRequeues(key);
      if (retries < options.maxRetries) {
        logger.debug({ key, attempt: retries + 1, durationMs, err: result.error }, 'reconcile will be retried');
        queue.addRateLimited(key);
        return;
      }
      queue.forget(key);
      logger.warn({ key, attempt: retries + 1, err: result.error }, 'reconcile dropped after repeated failures');
      options.onDropped?.(key, result.error);
      return;
    }
  }
}
