/** A benchmark's figures as rows of one table: value, the same-run baseline it is compared with, and its target. */
import { ratio } from './stats.ts';

export type Unit = 'ms' | 's' | 'req/s' | 'MB' | 'requests' | 'per review' | 'Pods' | '';

/**
 * What a row must satisfy. `max`/`min`/`exactly` apply to the value, `ratio-max`/`ratio-min` to value ÷ baseline.
 * `report` rows carry no target (figures given for context).
 */
export type Target =
  | { readonly kind: 'max'; readonly limit: number }
  | { readonly kind: 'min'; readonly limit: number }
  | { readonly kind: 'exactly'; readonly limit: number }
  | { readonly kind: 'ratio-max'; readonly limit: number }
  | { readonly kind: 'ratio-min'; readonly limit: number };

export interface ResultRow {
  readonly scenario: string;
  readonly metric: string;
  /** A number in `unit`, or a text (an error, a skipped part). */
  readonly value: number | string;
  readonly unit: Unit;
  readonly baseline?: number | undefined;
  readonly target?: Target | undefined;
}

export type Verdict = 'yes' | 'no' | '';

/** Whether the row meets its target; '' when it has none or the figures are missing. */
export function verdictOf(row: ResultRow): Verdict {
  const target = row.target;
  if (target === undefined || typeof row.value !== 'number' || Number.isNaN(row.value)) return '';
  const value = row.value;
  const relative = row.baseline === undefined ? Number.NaN : ratio(value, row.baseline);
  switch (target.kind) {
    case 'max':
      return value <= target.limit ? 'yes' : 'no';
    case 'min':
      return value >= target.limit ? 'yes' : 'no';
    case 'exactly':
      return value === target.limit ? 'yes' : 'no';
    case 'ratio-max':
      return Number.isNaN(relative) ? '' : relative <= target.limit ? 'yes' : 'no';
    case 'ratio-min':
      return Number.isNaN(relative) ? '' : relative >= target.limit ? 'yes' : 'no';
  }
}

export function describeTarget(target: Target | undefined, unit: Unit): string {
  if (target === undefined) return '';
  switch (target.kind) {
    case 'max':
      return `≤ ${formatNumber(target.limit, unit)}`;
    case 'min':
      return `≥ ${formatNumber(target.limit, unit)}`;
    case 'exactly':
      return `= ${formatNumber(target.limit, unit)}`;
    case 'ratio-max':
      return `≤ ${target.limit}× baseline`;
    case 'ratio-min':
      return `≥ ${target.limit}× baseline`;
  }
}

/** A number with its unit, rounded for reading: times to 0.01 ms, rates and counts to integers. */
export function formatNumber(value: number, unit: Unit): string {
  if (Number.isNaN(value)) return 'n/a';
  const suffix = unit === '' ? '' : ` ${unit}`;
  switch (unit) {
    case 'ms':
      return `${value < 100 ? value.toFixed(2) : value.toFixed(0)}${suffix}`;
    case 's':
    case 'MB':
    case 'per review':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)}${suffix}`;
    default:
      return `${Number.isInteger(value) ? value : value.toFixed(1)}${suffix}`;
  }
}

export function formatRatio(value: number | string, baseline: number | undefined): string {
  if (typeof value !== 'number' || baseline === undefined) return '';
  const relative = ratio(value, baseline);
  return Number.isNaN(relative) ? 'n/a' : `${relative.toFixed(2)}×`;
}

/** A row that records a failure instead of a figure. */
export function errorRow(scenario: string, what: string, error: unknown): ResultRow {
  const message = error instanceof Error ? error.message : String(error);
  return { scenario, metric: what, value: `FAILED: ${message.split('\n')[0]?.slice(0, 200) ?? ''}`, unit: '' };
}
