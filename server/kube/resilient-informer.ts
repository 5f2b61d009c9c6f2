/**
 * A client-node ListWatch (list, then watch from the list's resourceVersion; 30 s client-side inactivity timeout,
 * after which it re-watches from the last resourceVersion) under the supervisor that restarts it after errors.
 * client-node 2.0.1's makeInformer takes no field selector, so the ListWatch is built directly.
 */
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from '@kubernetes/client-node';
import type { PullguardError } from '../errors.ts';
import { type Delay, superviseInformer } from './informer-supervisor.ts';
import type { Backoff, ResilientInformer } from './informer-types.ts';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** For logs and metrics, e.g. `pending-pods`. */
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  /** The collection's URL path, e.g. `/api/v1/pods`. */
  readonly path: string;
  /** Lists the collection with the same selectors as the watch. */
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /** Restart back-off after errors; default 1 s doubling to 30 s. */
  readonly backoff?: Backoff | undefined;
  /** The restart delay (tests inject one that does not sleep). */
  readonly delay?: Delay | undefined;
  readonly onError?: ((error: PullguardError) => void) | undefined;
}

export function createResilientInformer<T extends KubernetesObject>(
  options: ResilientInformerOptions<T>,
): ResilientInformer<T> {
  const halt = new AbortController();
  const listWatch = new ListWatch<T>(
    options.path,
    new Watch(options.kubeConfig),
    options.list,
    false,
    options.labelSelector,
    options.fieldSelector,
    // ListWatch's own pause between re-watches after a server-side close. Once stopped it must never resolve:
    // ListWatch would open a new watch after it without checking whether it was stopped meanwhile.
    { delayFn: (ms) => pauseUnlessHalted(ms, halt.signal) },
  );
  const informer = superviseInformer(listWatch, {
    name: options.name,
    backoff: options.backoff,
    delay: options.delay,
    onError: options.onError,
  });
  return {
    ...informer,
    async stop() {
      halt.abort();
      await informer.stop();
    },
  };
}

function pauseUnlessHalted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return new Promise(() => undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', halt);
      resolve();
    }, ms);
    const halt = () => clearTimeout(timer);
    signal.addEventListener('abort', halt, { once: true });
  });
}
