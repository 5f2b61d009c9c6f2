/**
 * Keeps the CA in the webhook configurations' caBundle: at start, whenever the CA may have changed, and on an
 * interval (a `helm upgrade` or a GitOps sync can put an old caBundle back). Each named configuration is tried as
 * both a Validating and a Mutating one; a kind that does not exist is normal and only logged at debug level.
 */
import { type CaBundleTarget, reconcileCaBundle, type WebhookConfigApi } from '../certs/ca-bundle-reconcile.ts';
import type { Logger } from '../log/logger.ts';

export interface CaBundleLoopOptions {
  readonly api: WebhookConfigApi;
  readonly configurations: readonly string[];
  readonly caPem: () => string;
  readonly logger: Logger;
  /** Default 5 minutes. */
  readonly intervalMs?: number | undefined;
}

export interface CaBundleLoop {
  /** Reconciles every target now; never rejects (failures are logged and retried on the next round). */
  reconcileNow(): Promise<void>;
  stop(): void;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;

export function startCaBundleLoop(options: CaBundleLoopOptions): CaBundleLoop {
  const { api, logger } = options;
  const targets: CaBundleTarget[] = options.configurations.flatMap((name) => [
    { kind: 'ValidatingWebhookConfiguration' as const, name },
    { kind: 'MutatingWebhookConfiguration' as const, name },
  ]);
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  const round = async (): Promise<void> => {
    const caPem = options.caPem();
    const found = new Set<string>();
    for (const target of targets) {
      if (stopped) return;
      const where = { kind: target.kind, name: target.name };
      try {
        const result = await reconcileCaBundle(api, target, caPem);
        if (result.outcome !== 'not-found') found.add(target.name);
        if (result.outcome === 'patched') logger.info({ ...where, webhooks: result.updated }, 'caBundle updated');
        else logger.debug({ ...where, outcome: result.outcome }, 'caBundle checked');
      } catch (error) {
        logger.warn({ ...where, err: error }, 'caBundle reconcile failed; retrying later');
        found.add(target.name);
      }
    }
    for (const name of options.configurations) {
      if (!found.has(name)) logger.warn({ name }, 'no webhook configuration of this name yet');
    }
  };

  const reconcileNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await round();
      } while (again && !stopped);
      running = undefined;
    })();
    return running;
  };

  const timer = setInterval(() => void reconcileNow(), options.intervalMs ?? DEFAULT_INTERVAL_MS);
  timer.unref();
  return {
    reconcileNow,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
