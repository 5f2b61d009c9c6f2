/**
 * The stuck-pull controller (DESIGN.md §5): three informers (Pending Pods, opted-in Namespaces, the kubelet's pull
 * Events) whose callbacks only record and enqueue keys; a work queue; workers that reconcile; a periodic resync; and
 * a Lease so that only one replica acts. Every replica keeps its caches warm (and reports ready once they synced);
 * the leader alone runs the queue and its workers, and stops them at once when it loses the Lease.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CoreV1Api, type CoreV1Event, type KubeConfig, type V1Namespace, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { VERDICT_ANNOTATION } from '../admission/keys.ts';
import type { PullguardError } from '../errors.ts';
import type { ResilientInformer } from '../kube/informer-types.ts';
import { namespacesInformer, pendingPodsInformer, podEventsInformer } from '../kube/informers.ts';
import { createLeaderElector, type LeaderElector } from '../kube/lease-lock.ts';
import { systemTimers, type Timers } from '../workqueue/clock.ts';
import { createExponentialRateLimiter } from '../workqueue/rate-limiter.ts';
import { createWorkQueue, type WorkQueue } from '../workqueue/work-queue.ts';
import { createAttemptTracker } from './attempts.ts';
import { createEventIndex } from './event-index.ts';
import { createKubePodWriter } from './kube-pod-writer.ts';
import { readNamespacePolicy } from './namespace-policy.ts';
import { podKey } from './pod-view.ts';
import type { PodWriter } from './pod-writer.ts';
import { type ControllerAction, type ControllerHooks, createReconciler } from './reconcile.ts';
import { runWorker } from './worker.ts';

export interface StuckPullSettings {
  readonly imagePullAttempts: number;
  readonly maxPullFailureSeconds: number;
  readonly action: ControllerAction;
  readonly resyncSeconds: number;
  /** The Lease's name and namespace: fixed at construction (a change needs a restart). */
  readonly leaseName: string;
  readonly namespace: string;
}

export interface LeaderElectionTimings {
  readonly leaseDurationSeconds?: number | undefined;
  readonly renewDeadlineSeconds?: number | undefined;
  readonly retryPeriodSeconds?: number | undefined;
}

export interface StuckPullControllerDeps {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly metrics: ControllerHooks;
  readonly settings: StuckPullSettings;
  /** Milliseconds since the epoch; Date.now by default. */
  readonly now?: (() => number) | undefined;
  /** This replica's Lease holder identity; `<hostname>_<uuid>` by default. */
  readonly identity?: string | undefined;
  /** Concurrent reconciles (distinct keys); 4 by default. */
  readonly workers?: number | undefined;
  /** Retries of a failing reconcile before its key is dropped until the next event or resync; 10 by default. */
  readonly maxRetries?: number | undefined;
  /** Per-key retry back-off; 500 ms doubling to 5 min by default. */
  readonly retryBackoff?: { readonly baseDelayMs: number; readonly maxDelayMs: number } | undefined;
  readonly leaderElection?: LeaderElectionTimings | undefined;
  /** Timers for resync and the queue (tests may inject). */
  readonly timers?: Timers | undefined;
  /** Writes to Pods (tests may inject); client-node by default. */
  readonly writer?: PodWriter | undefined;
  /**
   * Which namespaces to watch: `pullguard.dev/mode` (any value; decide checks it is a mode) by default. A narrower
   * selector (`pullguard.dev/mode,shard=a`) splits namespaces between controllers.
   */
  readonly namespaceLabelSelector?: string | undefined;
}

export interface StuckPullController {
  /**
   * Starts the informers, waits until they have synced, then competes for the Lease. Never rejects on API
   * failures (informers and the election retry with back-off); resolves early if stop() is called meanwhile.
   */
  start(): Promise<void>;
  /** Stops acting at once (leadership released), then the informers. Idempotent. */
  stop(): Promise<void>;
  /** True once every informer has synced (readiness). */
  isSynced(): boolean;
  /** True while this replica holds the Lease and runs workers. */
  isLeader(): boolean;
  /** New thresholds and action apply from the next reconcile; every pending Pod is looked at again. */
  updateSettings(settings: StuckPullSettings): void;
}

interface LeadingSession {
  readonly queue: WorkQueue;
  readonly signal: AbortSignal;
  readonly workers: Promise<void>;
  cancelResync: (() => void) | undefined;
}

export function createStuckPullController(deps: StuckPullControllerDeps): StuckPullController {
  const logger = deps.logger.child({ component: 'stuck-pull-controller' });
  const now = deps.now ?? Date.now;
  const timers = deps.timers ?? systemTimers;
  const workerCount = Math.max(1, deps.workers ?? 4);
  const maxRetries = deps.maxRetries ?? 10;
  let settings = deps.settings;

  const onError = (informer: string) => (error: PullguardError) =>
    logger.warn({ err: error, informer }, 'informer failed; restarting with back-off');
  // The cached Pods keep only what the controller reads; of their annotations, the admission verdict (decide.ts).
  const pods = pendingPodsInformer(deps.kubeConfig, {
    onError: onError('pending-pods'),
    keepAnnotations: [VERDICT_ANNOTATION],
  });
  const namespaces = namespacesInformer(deps.kubeConfig, {
    onError: onError('namespaces'),
    labelSelector: deps.namespaceLabelSelector,
  });
  const events = podEventsInformer(deps.kubeConfig, { onError: onError('pod-events') });
  const informers: ResilientInformer<unknown>[] = [pods, namespaces, events];

  const tracker = createAttemptTracker();
  const eventIndex = createEventIndex();
  const identity = deps.identity ?? `${hostname()}_${randomUUID()}`;
  const writer =
    deps.writer ??
    createKubePodWriter(deps.kubeConfig.makeApiClient(CoreV1Api), { component: 'pullguard', instance: identity });
  const reconciler = createReconciler({
    getPod: (namespace, name) => pods.get(namespace, name),
    getNamespace: (name) => namespaces.get('', name),
    eventsFor: (namespace, name) => eventIndex.eventsFor(namespace, name),
    tracker,
    writer,
    logger,
    hooks: deps.metrics,
    settings: () => settings,
    now,
  });

  let session: LeadingSession | undefined;
  let stopped = false;

  const isOptedIn = (namespace: string) => readNamespacePolicy(namespaces.get('', namespace)) !== undefined;
  const enqueue = (namespace: string | undefined, name: string | undefined) => {
    if (!session || !namespace || !name || !isOptedIn(namespace)) return;
    session.queue.add(podKey(namespace, name));
  };
  const enqueueNamespace = (namespace: string) => {
    if (!session) return;
    for (const pod of pods.list(namespace)) session.queue.add(podKey(namespace, pod.metadata?.name ?? ''));
  };
  const enqueueAll = () => {
    if (!session) return;
    for (const namespace of namespaces.list()) {
      const name = namespace.metadata?.name;
      if (name && readNamespacePolicy(namespace)) enqueueNamespace(name);
    }
  };

  // Callbacks run inside watch handling: they record (cheap, in memory) and enqueue, nothing else.
  const onPod = (pod: V1Pod) => {
    const namespace = pod.metadata?.namespace ?? '';
    // Status transitions are edges: record them as they pass (on every replica, so a new leader has them). Before
    // the namespaces have synced, opt-in is unknown: record anyway.
    if (!namespaces.isSynced() || isOptedIn(namespace)) tracker.observe(pod, now());
    enqueue(namespace, pod.metadata?.name);
  };
  pods.onAdd(onPod);
  pods.onUpdate(onPod);
  pods.onDelete((pod) => {
    const key = podKey(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    reconciler.forgetPod(key, pod.metadata?.uid);
  });
  const onNamespace = (namespace: V1Namespace) => {
    const name = namespace.metadata?.name;
    if (name) enqueueNamespace(name);
  };
  namespaces.onAdd(onNamespace);
  namespaces.onUpdate(onNamespace);
  namespaces.onDelete(onNamespace);
  const onEvent = (event: CoreV1Event) => {
    eventIndex.upsert(event);
    enqueue(event.involvedObject?.namespace ?? event.metadata?.namespace, event.involvedObject?.name);
  };
  events.onAdd(onEvent);
  events.onUpdate(onEvent);
  events.onDelete((event) => eventIndex.remove(event));

  const armResync = (current: LeadingSession) => {
    current.cancelResync?.();
    current.cancelResync = timers.schedule(() => {
      if (session !== current) return;
      logger.debug('periodic resync');
      enqueueAll();
      armResync(current);
    }, settings.resyncSeconds * 1000);
  };

  const startLeading = (signal: AbortSignal) => {
    if (stopped || signal.aborted) return;
    logger.info({ identity }, 'became leader; acting on stuck pulls');
    const queue = createWorkQueue({
      timers,
      rateLimiter: createExponentialRateLimiter(deps.retryBackoff ?? { baseDelayMs: 500, maxDelayMs: 300_000 }),
    });
    const workers = Promise.all(
      Array.from({ length: workerCount }, () =>
        runWorker({ queue, reconcile: reconciler.reconcile, signal, maxRetries, logger, now }),
      ),
    ).then(() => undefined);
    const current: LeadingSession = { queue, signal, workers, cancelResync: undefined };
    session = current;
    signal.addEventListener('abort', () => endLeading(current), { once: true });
    armResync(current);
    enqueueAll();
  };

  const endLeading = (current: LeadingSession | undefined) => {
    if (!current || session !== current) return;
    session = undefined;
    current.cancelResync?.();
    // No drain: a replica that lost the Lease must not start another reconcile; in-flight ones see the aborted
    // signal before each write.
    void current.queue.shutdown({ drain: false });
    reconciler.resetStuck();
    logger.info('stopped leading; no longer acting');
  };

  const elector: LeaderElector = createLeaderElector({
    kubeConfig: deps.kubeConfig,
    namespace: settings.namespace,
    name: settings.leaseName,
    identity,
    ...deps.leaderElection,
    onStartedLeading: startLeading,
    onStoppedLeading: () => endLeading(session),
    onError: (error) => logger.warn({ err: error }, 'leader election error'),
  });

  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  return {
    start() {
      starting ??= (async () => {
        const synced = informers.map((informer) => informer.start());
        try {
          await Promise.all(synced);
        } catch {
          // Only a stop before the first sync rejects here.
          return;
        }
        if (stopped) return;
        logger.info('informers synced');
        elector.start();
      })();
      return starting;
    },

    stop() {
      stopping ??= (async () => {
        stopped = true;
        const current = session;
        await elector.stop();
        endLeading(session);
        await current?.workers;
        await Promise.all(informers.map((informer) => informer.stop()));
      })();
      return stopping;
    },

    isSynced: () => informers.every((informer) => informer.isSynced()),
    isLeader: () => session !== undefined,

    updateSettings(next) {
      if (next.leaseName !== settings.leaseName || next.namespace !== settings.namespace) {
        logger.warn(
          { leaseName: next.leaseName, namespace: next.namespace },
          'the Lease name and namespace change only on restart',
        );
      }
      const resyncChanged = next.resyncSeconds !== settings.resyncSeconds;
      settings = { ...next, leaseName: settings.leaseName, namespace: settings.namespace };
      logger.info(
        {
          imagePullAttempts: settings.imagePullAttempts,
          maxPullFailureSeconds: settings.maxPullFailureSeconds,
          action: settings.action,
        },
        'controller settings updated',
      );
      if (session && resyncChanged) armResync(session);
      enqueueAll();
    },
  };
}
