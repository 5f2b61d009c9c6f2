import t from 'tap';
import { describeTarget, errorRow, formatNumber, type ResultRow, verdictOf } from '../../../bench/support/results.ts';
import { describeRow, renderMarkdownTable } from '../../../bench/support/table.ts';

const row = (overrides: Partial<ResultRow>): ResultRow => ({
  scenario: 's',
  metric: 'm',
  value: 1,
  unit: 'ms',
  ...overrides,
});

t.test('verdicts per target kind', async (t) => {
  const cases: [ResultRow, string][] = [
    [row({ value: 4.9, target: { kind: 'max', limit: 5 } }), 'yes'],
    [row({ value: 5.1, target: { kind: 'max', limit: 5 } }), 'no'],
    [row({ value: 20, unit: 'requests', target: { kind: 'exactly', limit: 20 } }), 'yes'],
    [row({ value: 21, unit: 'requests', target: { kind: 'exactly', limit: 20 } }), 'no'],
    [row({ value: 300, unit: 'req/s', target: { kind: 'min', limit: 500 } }), 'no'],
    [row({ value: 3, baseline: 2, target: { kind: 'ratio-max', limit: 1.5 } }), 'yes'],
    [row({ value: 3.2, baseline: 2, target: { kind: 'ratio-max', limit: 1.5 } }), 'no'],
    [row({ value: 5000, baseline: 7000, unit: 'req/s', target: { kind: 'ratio-min', limit: 0.67 } }), 'yes'],
    [row({ value: 3, target: { kind: 'ratio-max', limit: 1.5 } }), ''],
    [row({ value: 3 }), ''],
    [row({ value: 'FAILED: x', target: { kind: 'max', limit: 5 } }), ''],
    [row({ value: Number.NaN, target: { kind: 'max', limit: 5 } }), ''],
  ];
  for (const [input, expected] of cases) {
    t.equal(verdictOf(input), expected, `${input.value} ${JSON.stringify(input.target)} baseline ${input.baseline}`);
  }
});

t.test('numbers and targets read naturally', async (t) => {
  t.equal(formatNumber(1.23456, 'ms'), '1.23 ms');
  t.equal(formatNumber(1234.5, 'ms'), '1235 ms');
  t.equal(formatNumber(6789.4, 'req/s'), '6789.4 req/s');
  t.equal(formatNumber(20, 'requests'), '20 requests');
  t.equal(formatNumber(0.004, 'per review'), '0.00 per review');
  t.equal(formatNumber(212.345, 'MB'), '212.3 MB');
  t.equal(formatNumber(Number.NaN, 'ms'), 'n/a');
  t.equal(describeTarget({ kind: 'ratio-max', limit: 1.5 }, 'ms'), '≤ 1.5× baseline');
  t.equal(describeTarget({ kind: 'max', limit: 300 }, 'MB'), '≤ 300.0 MB');
  t.equal(describeTarget(undefined, 'ms'), '');
});

t.test('the markdown table has one line per row, pipes escaped', async (t) => {
  const table = renderMarkdownTable([
    row({ metric: 'p99 (a|b)', value: 3.2, baseline: 2, target: { kind: 'ratio-max', limit: 1.5 } }),
    errorRow('other', 'scenario', new Error('registry did not start\nsee log')),
  ]);
  const lines = table.split('\n');
  t.equal(lines.length, 4);
  t.equal(lines[0], '| scenario | metric | value | baseline | ratio | target | met? |');
  t.equal(lines[2], '| s | p99 (a\\|b) | 3.20 ms | 2.00 ms | 1.60× | ≤ 1.5× baseline | no |');
  t.equal(lines[3], '| other | scenario | FAILED: registry did not start |  |  |  |  |');
});

t.test('a row as a progress line', async (t) => {
  t.equal(
    describeRow(row({ metric: 'p99', value: 2.1, baseline: 1.5, target: { kind: 'ratio-max', limit: 1.5 } })),
    'p99: 2.10 ms (baseline 1.50 ms, 1.40×); target ≤ 1.5× baseline: yes',
  );
  t.equal(describeRow(row({ metric: 'rss', value: 120, unit: 'MB' })), 'rss: 120.0 MB');
});
