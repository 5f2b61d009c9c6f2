/**
 * Re-checks the certificate on a timer: at the start of its renewal window, and at least every
 * maxCheckIntervalMs in between (another replica may have renewed the shared Secret). Each check calls `refresh`
 * (typically ensureCertificateSecret) and hands the result to `onBundle` (swap it into the TlsContext, reconcile
 * caBundles). Timers are unref'd: the renewer never keeps the process alive.
 */
import type { CertificateBundle } from './certificate-bundle.ts';
import { decideRenewal, type RenewalPolicy } from './expiry.ts';

export interface CertificateRenewerOptions {
  /** The bundle already in use; the first check is scheduled from it. */
  initial: CertificateBundle;
  refresh: () => Promise<CertificateBundle>;
  onBundle: (bundle: CertificateBundle) => void | Promise<void>;
  renewal?: RenewalPolicy | undefined;
  /** Delay after a failed check. Default 30 s. */
  retryDelayMs?: number | undefined;
  now?: (() => Date) | undefined;
  onError?: ((error: unknown) => void) | undefined;
}

export interface CertificateRenewer {
  /** Runs a check now (a scheduled one is replaced); resolves when it is done. Does nothing once stopped. */
  checkNow(): Promise<void>;
  stop(): void;
}

export const DEFAULT_RENEWAL_RETRY_DELAY_MS = 30_000;

export function startCertificateRenewer(options: CertificateRenewerOptions): CertificateRenewer {
  const now = options.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void check(), delayMs);
    timer.unref();
  };

  const scheduleFrom = (bundle: CertificateBundle): void => {
    const decision = decideRenewal(bundle, now(), options.renewal);
    // A bundle still due right after refresh means renewal is failing somewhere: retry later, not in a hot loop.
    schedule(decision.renew ? (options.retryDelayMs ?? DEFAULT_RENEWAL_RETRY_DELAY_MS) : decision.nextCheckInMs);
  };

  const check = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) return running;
    clearTimeout(timer);
    running = (async () => {
      try {
        const bundle = await options.refresh();
        if (stopped) return;
        await options.onBundle(bundle);
        scheduleFrom(bundle);
      } catch (error) {
        options.onError?.(error);
        schedule(options.retryDelayMs ?? DEFAULT_RENEWAL_RETRY_DELAY_MS);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  scheduleFrom(options.initial);
  return {
    checkNow: check,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
