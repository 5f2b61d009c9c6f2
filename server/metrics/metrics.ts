/**
 * pullguard's Prometheus metrics: one Registry per process (made here, never prom-client's global one) and typed
 * handles for each subsystem. Callers record through the small methods; `registry` is exposed for /metrics and for
 * a subsystem that wants to define metrics of its own on the same registry.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type BoundedLabel, createBoundedLabel } from './bounded-label.ts';

export type { Registry } from 'prom-client';

/** `warned`: allowed, with warnings for the user. `malformed`: the body was not a reviewable AdmissionReview. */
export type ReviewDecisionLabel = 'allowed' | 'warned' | 'denied' | 'errored' | 'malformed';

export interface ReviewObservation {
  /** enforce | warn | audit for validation, annotate | pin for mutation. */
  readonly mode: string;
  readonly kind: string;
  readonly decision: ReviewDecisionLabel;
  readonly durationSeconds: number;
}

/** Shaped like the registry transport's RequestEvent, so `onRequest: metrics.recordRegistryRequest` fits. */
export interface RegistryRequestObservation {
  readonly registry: string;
  readonly method: string;
  readonly status: number | 'error';
  readonly durationMs: number;
}

/** The counters of Resolver.stats() that become `pullguard_resolver_cache_total`. */
export interface ResolverCacheCounts {
  readonly hits: number;
  /** Every resolve not answered from the cache, coalesced ones included. */
  readonly misses: number;
  /** Misses that joined a lookup already in flight. */
  readonly coalesced: number;
}

/** What `pullguard_informer_restarts_total` reads from each informer (kube/'s ResilientInformer fits). */
export interface RestartingInformer {
  readonly name: string;
  restarts(): number;
}

/** Shaped like the controller's ControllerHooks, so `metrics.controller` can be handed to it as is. */
export interface ControllerMetrics {
  /** A Pod the controller failed (or reported), by reason, and the seconds since its first pull failure. */
  onPodFailed(reason: string, secondsSinceFirstFailure: number): void;
  /** Pods currently waiting on an image pull that keeps failing. */
  setStuckPods(count: number): void;
}

export interface MetricHandles {
  readonly reviews: Counter<'mode' | 'kind' | 'decision'>;
  readonly reviewDuration: Histogram<'mode'>;
  readonly registryRequests: Counter<'registry' | 'method' | 'status'>;
  readonly registryRequestDuration: Histogram<'registry' | 'method'>;
  readonly resolverCache: Counter<'result'>;
  readonly informerRestarts: Counter<'informer'>;
  readonly controllerPodsFailed: Counter<'reason'>;
  readonly controllerStuckPods: Gauge;
  readonly controllerFailureToFailed: Histogram;
}

export interface Metrics {
  readonly registry: Registry;
  /** The Content-Type of `render()`'s text. */
  readonly contentType: string;
  render(): Promise<string>;
  recordReview(observation: ReviewObservation): void;
  recordRegistryRequest(observation: RegistryRequestObservation): void;
  /** Read at each scrape (Resolver.stats is cheap); several sources add up. */
  observeResolverCache(source: () => ResolverCacheCounts): void;
  /** Informers whose restart counts are read at each scrape. */
  observeInformers(source: () => Iterable<RestartingInformer>): void;
  readonly controller: ControllerMetrics;
  readonly handles: MetricHandles;
}

export interface CreateMetricsOptions {
  /** Node's process and runtime metrics (process_*, nodejs_*); default true. */
  readonly defaultMetrics?: boolean | undefined;
  /** Distinct values kept per outside-supplied label (registry hosts, kinds) before they share `other`. */
  readonly maxLabelValues?: number | undefined;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10];
const FAILURE_TO_FAILED_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
const DEFAULT_MAX_LABEL_VALUES = 100;

export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const limit = options.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES;
  const bounded = (): BoundedLabel => createBoundedLabel(limit);
  const kindLabel = bounded();
  const registryLabel = bounded();
  const reasonLabel = bounded();
  const informerLabel = bounded();
  const cacheSources: (() => ResolverCacheCounts)[] = [];
  const informerSources: (() => Iterable<RestartingInformer>)[] = [];

  const handles: MetricHandles = {
    reviews: new Counter({
      name: 'pullguard_admission_reviews_total',
      help: 'AdmissionReviews answered, by mode, object kind and decision.',
      labelNames: ['mode', 'kind', 'decision'] as const,
      registers,
    }),
    reviewDuration: new Histogram({
      name: 'pullguard_admission_review_duration_seconds',
      help: 'Time to answer one AdmissionReview, registry work included.',
      labelNames: ['mode'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    registryRequests: new Counter({
      name: 'pullguard_registry_requests_total',
      help: 'HTTP requests to registries, by registry host, method and status (`error`: no HTTP answer).',
      labelNames: ['registry', 'method', 'status'] as const,
      registers,
    }),
    registryRequestDuration: new Histogram({
      name: 'pullguard_registry_request_duration_seconds',
      help: 'Duration of one HTTP request to a registry.',
      labelNames: ['registry', 'method'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    resolverCache: new Counter({
      name: 'pullguard_resolver_cache_total',
      help: 'Image resolutions: hit (from the cache), miss (a new registry lookup), coalesced (joined one in flight).',
      labelNames: ['result'] as const,
      registers,
      collect() {
        const total = { hits: 0, misses: 0, coalesced: 0 };
        for (const source of cacheSources) {
          const counts = source();
          total.hits += counts.hits;
          total.misses += counts.misses;
          total.coalesced += counts.coalesced;
        }
        // The resolver keeps the running totals; mirror them instead of counting twice.
        this.reset();
        this.inc({ result: 'hit' }, total.hits);
        this.inc({ result: 'miss' }, Math.max(total.misses - total.coalesced, 0));
        this.inc({ result: 'coalesced' }, total.coalesced);
      },
    }),
    informerRestarts: new Counter({
      name: 'pullguard_informer_restarts_total',
      help: 'Informers restarted after their watch failed.',
      labelNames: ['informer'] as const,
      registers,
      collect() {
        // Each informer keeps its own running count; mirror it.
        this.reset();
        for (const source of informerSources) {
          for (const informer of source()) this.inc({ informer: informerLabel(informer.name) }, informer.restarts());
        }
      },
    }),
    controllerPodsFailed: new Counter({
      name: 'pullguard_controller_pods_failed_total',
      help: 'Pods the stuck-pull controller failed (or reported), by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    controllerStuckPods: new Gauge({
      name: 'pullguard_controller_stuck_pods',
      help: 'Pending Pods whose image pulls are failing.',
      registers,
    }),
    controllerFailureToFailed: new Histogram({
      name: 'pullguard_controller_failure_to_failed_seconds',
      help: "Seconds from a Pod's first pull failure to the controller failing it.",
      buckets: FAILURE_TO_FAILED_BUCKETS,
      registers,
    }),
  };

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    recordReview(observation) {
      handles.reviews.inc({
        mode: observation.mode,
        kind: kindLabel(observation.kind),
        decision: observation.decision,
      });
      handles.reviewDuration.observe({ mode: observation.mode }, observation.durationSeconds);
    },
    recordRegistryRequest(observation) {
      const registryName = registryLabel(observation.registry);
      handles.registryRequests.inc({
        registry: registryName,
        method: observation.method,
        status: String(observation.status),
      });
      handles.registryRequestDuration.observe(
        { registry: registryName, method: observation.method },
        observation.durationMs / 1000,
      );
    },
    observeResolverCache(source) {
      cacheSources.push(source);
    },
    observeInformers(source) {
      informerSources.push(source);
    },
    controller: {
      onPodFailed(reason, secondsSinceFirstFailure) {
        handles.controllerPodsFailed.inc({ reason: reasonLabel(reason) });
        handles.controllerFailureToFailed.observe(secondsSinceFirstFailure);
      },
      setStuckPods: (count) => handles.controllerStuckPods.set(count),
    },
    handles,
  };
}
