import t from 'tap';
import { percentile, ratio, summarize } from '../../../bench/support/stats.ts';

t.test('nearest-rank percentiles', async (t) => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const cases: [p: number, expected: number][] = [
    [0, 1],
    [10, 1],
    [11, 2],
    [50, 5],
    [90, 9],
    [99, 10],
    [100, 10],
    [150, 10],
  ];
  for (const [p, expected] of cases) t.equal(percentile(sorted, p), expected, `p${p}`);
  t.equal(percentile([7], 99), 7, 'one sample is every percentile');
  t.ok(Number.isNaN(percentile([], 50)), 'no samples: NaN');
});

t.test('p99 of 1000 samples is the 990th value, so 10 slow outliers show', async (t) => {
  const values = Array.from({ length: 1000 }, (_, index) => (index < 989 ? 1 : 100));
  t.equal(percentile(values, 99), 100);
  const fewer = Array.from({ length: 1000 }, (_, index) => (index < 990 ? 1 : 100));
  t.equal(percentile(fewer, 99), 1);
});

t.test('summarize sorts its own copy and reports the usual figures', async (t) => {
  const samples = [5, 1, 4, 2, 3];
  const summary = summarize(samples);
  t.same(summary, { count: 5, min: 1, p50: 3, p90: 5, p99: 5, max: 5, mean: 3 });
  t.same(samples, [5, 1, 4, 2, 3], 'input untouched');
  const empty = summarize([]);
  t.equal(empty.count, 0);
  t.ok(Number.isNaN(empty.p99) && Number.isNaN(empty.mean));
});

t.test('ratio', async (t) => {
  t.equal(ratio(3, 2), 1.5);
  t.ok(Number.isNaN(ratio(3, 0)), 'zero baseline');
  t.ok(Number.isNaN(ratio(Number.NaN, 2)), 'missing value');
});
