/**
 * A client-node ListWatch (list, then watch from the list's resourceVersion; 30 s client-side inactivity timeout,
 * after which it re-watches from the last resourceVersion) under the supervisor that restarts it after errors.
 * client-node 2.0.1's makeInformer takes no field selector, so the ListWatch is built directly.
 * The list is read in pages (list-pages.ts), and `transform` trims every object before the cache stores it: list
 * pages as they arrive, and watch events through a Watch that hands ListWatch the trimmed object (ListWatch has no
 * transform hook of its own).
 */
import { type KubeConfig, type KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import type { PullguardError } from '../errors.ts';
import { type Delay, superviseInformer } from './informer-supervisor.ts';
import type { Backoff, ResilientInformer } from './informer-types.ts';
import { listInPages, type PageFetcher } from './list-pages.ts';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** For logs and metrics, e.g. `pending-pods`. */
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  /** The collection's URL path, e.g. `/api/v1/pods`. */
  readonly path: string;
  /**
   * Lists the collection with the same selectors as the watch: one page per call, given the previous page's
   * continue token (a fetcher that ignores it and answers everything at once is one page).
   */
  readonly list: PageFetcher<T>;
  /** Trims an object before it is cached and handed to listeners (pure; must keep namespace, name, resourceVersion). */
  readonly transform?: ((object: T) => T) | undefined;
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
  const { transform } = options;
  const listWatch = new ListWatch<T>(
    options.path,
    transform === undefined ? new Watch(options.kubeConfig) : new TransformingWatch(options.kubeConfig, transform),
    () => listInPages(options.list, transform),
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

/** Object-carrying watch events; ERROR carries a Status and BOOKMARK only a resourceVersion: those pass as sent. */
const objectEvents: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED']);

class TransformingWatch<T> extends Watch {
  readonly #transform: (object: T) => T;

  constructor(kubeConfig: KubeConfig, transform: (object: T) => T) {
    super(kubeConfig);
    this.#transform = transform;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, object, event) => callback(phase, objectEvents.has(phase) ? this.#transform(object as T) : object, event),
      done,
    );
  }
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
