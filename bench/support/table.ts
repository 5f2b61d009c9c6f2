/** The runner's summary as one markdown table (the README shows it as printed). */
import { describeTarget, formatNumber, formatRatio, type ResultRow, verdictOf } from './results.ts';

const HEADER = ['scenario', 'metric', 'value', 'baseline', 'ratio', 'target', 'met?'];

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function rowCells(row: ResultRow): string[] {
  const value = typeof row.value === 'number' ? formatNumber(row.value, row.unit) : row.value;
  const baseline = row.baseline === undefined ? '' : formatNumber(row.baseline, row.unit);
  return [
    row.scenario,
    row.metric,
    value,
    baseline,
    formatRatio(row.value, row.baseline),
    describeTarget(row.target, row.unit),
    verdictOf(row),
  ];
}

export function renderMarkdownTable(rows: readonly ResultRow[]): string {
  const lines = [HEADER, HEADER.map(() => '---'), ...rows.map(rowCells)];
  return lines.map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`).join('\n');
}

/** One row as a progress line: `p99 at 500/s: 2.10 ms (baseline 1.50 ms, 1.40×; target ≤ 1.5× baseline: yes)`. */
export function describeRow(row: ResultRow): string {
  const [, metric, value, baseline, relative, target, met] = rowCells(row);
  const against = baseline === '' ? '' : ` (baseline ${baseline}, ${relative})`;
  const goal = target === '' ? '' : `; target ${target}${met === '' ? '' : `: ${met}`}`;
  return `${metric}: ${value}${against}${goal}`;
}
