import t from 'tap';
import { createBoundedLabel, OVERFLOW_LABEL } from '../../../server/metrics/bounded-label.ts';
import { createMetrics } from '../../../server/metrics/metrics.ts';

function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

t.test('each call makes its own registry: nothing global', async (t) => {
  const a = createMetrics({ defaultMetrics: false });
  const b = createMetrics({ defaultMetrics: false });
  a.recordReview({ mode: 'enforce', kind: 'Pod', decision: 'denied', durationSeconds: 0.02 });
  const textA = await a.render();
  const textB = await b.render();
  t.equal(sampleValue(textA, 'pullguard_admission_reviews_total{mode="enforce",kind="Pod",decision="denied"}'), 1);
  t.notMatch(textB, /decision="denied"/);
  t.not(a.registry, b.registry);
});

t.test('every metric the issue names is exposed', async (t) => {
  const metrics = createMetrics({ defaultMetrics: false });
  const text = await metrics.render();
  for (const name of [
    'pullguard_admission_reviews_total',
    'pullguard_admission_review_duration_seconds',
    'pullguard_registry_requests_total',
    'pullguard_registry_request_duration_seconds',
    'pullguard_resolver_cache_total',
    'pullguard_informer_restarts_total',
    'pullguard_controller_pods_failed_total',
    'pullguard_controller_stuck_pods',
    'pullguard_controller_failure_to_failed_seconds',
  ]) {
    t.match(text, new RegExp(`# TYPE ${name} `), name);
  }
});

t.test('default Node metrics are on unless asked otherwise', async (t) => {
  t.match(await createMetrics().render(), /process_cpu_user_seconds_total|nodejs_heap_size_total_bytes/);
  t.notMatch(await createMetrics({ defaultMetrics: false }).render(), /nodejs_heap_size_total_bytes/);
});

t.test('reviews, registry requests and the controller are recorded', async (t) => {
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.recordReview({ mode: 'warn', kind: 'Deployment', decision: 'warned', durationSeconds: 0.3 });
  metrics.recordRegistryRequest({ registry: 'ghcr.io', method: 'HEAD', status: 404, durationMs: 120 });
  metrics.recordRegistryRequest({ registry: 'ghcr.io', method: 'HEAD', status: 'error', durationMs: 5000 });
  let restarts = 2;
  metrics.observeInformers(() => [{ name: 'secrets', restarts: () => restarts }]);
  metrics.controller.onPodFailed('ImageNotFound', 42);
  metrics.controller.setStuckPods(7);
  const text = await metrics.render();
  t.equal(sampleValue(text, 'pullguard_admission_review_duration_seconds_count{mode="warn"}'), 1);
  t.equal(sampleValue(text, 'pullguard_admission_review_duration_seconds_bucket{le="0.5",mode="warn"}'), 1);
  t.equal(sampleValue(text, 'pullguard_registry_requests_total{registry="ghcr.io",method="HEAD",status="404"}'), 1);
  t.equal(sampleValue(text, 'pullguard_registry_requests_total{registry="ghcr.io",method="HEAD",status="error"}'), 1);
  t.equal(sampleValue(text, 'pullguard_registry_request_duration_seconds_sum{registry="ghcr.io",method="HEAD"}'), 5.12);
  t.equal(sampleValue(text, 'pullguard_informer_restarts_total{informer="secrets"}'), 2);
  restarts = 3;
  const later = await metrics.render();
  t.equal(sampleValue(later, 'pullguard_informer_restarts_total{informer="secrets"}'), 3, 'read at each scrape');
  t.equal(sampleValue(text, 'pullguard_controller_pods_failed_total{reason="ImageNotFound"}'), 1);
  t.equal(sampleValue(text, 'pullguard_controller_stuck_pods'), 7);
  t.equal(sampleValue(text, 'pullguard_controller_failure_to_failed_seconds_count'), 1);
  t.equal(sampleValue(text, 'pullguard_controller_failure_to_failed_seconds_sum'), 42);
});

t.test('resolver cache counts are read from the stats at each scrape', async (t) => {
  const metrics = createMetrics({ defaultMetrics: false });
  let stats = { hits: 5, misses: 4, coalesced: 1 };
  metrics.observeResolverCache(() => stats);
  let text = await metrics.render();
  t.equal(sampleValue(text, 'pullguard_resolver_cache_total{result="hit"}'), 5);
  t.equal(sampleValue(text, 'pullguard_resolver_cache_total{result="miss"}'), 3, 'misses exclude the coalesced ones');
  t.equal(sampleValue(text, 'pullguard_resolver_cache_total{result="coalesced"}'), 1);
  stats = { hits: 9, misses: 6, coalesced: 2 };
  text = await metrics.render();
  t.equal(sampleValue(text, 'pullguard_resolver_cache_total{result="hit"}'), 9, 'mirrored, not added twice');
  t.equal(sampleValue(text, 'pullguard_resolver_cache_total{result="miss"}'), 4);
});

t.test('outside-supplied label values are bounded', async (t) => {
  const label = createBoundedLabel(2);
  t.same(['a', 'b', 'c', 'a', 'd', 'b'].map(label), ['a', 'b', OVERFLOW_LABEL, 'a', OVERFLOW_LABEL, 'b']);

  const metrics = createMetrics({ defaultMetrics: false, maxLabelValues: 3 });
  for (let i = 0; i < 50; i++) {
    metrics.recordRegistryRequest({ registry: `r${i}.example`, method: 'GET', status: 200, durationMs: 1 });
  }
  const text = await metrics.render();
  const series = text.split('\n').filter((line) => line.startsWith('pullguard_registry_requests_total{'));
  t.equal(series.length, 4, 'three registries plus "other"');
  t.equal(sampleValue(text, 'pullguard_registry_requests_total{registry="other",method="GET",status="200"}'), 47);
});
