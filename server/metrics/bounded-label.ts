/**
 * Label values that come from the outside (registry hosts from image names, object kinds) are unbounded: anyone who
 * may create a Pod could mint a new time series per request. The first `limit` distinct values are kept as they are;
 * later ones share one overflow value, so a scrape stays small whatever the input.
 */
export const OVERFLOW_LABEL = 'other';

/** Returns the value to record for `value`. */
export type BoundedLabel = (value: string) => string;

export function createBoundedLabel(limit: number): BoundedLabel {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= limit) return OVERFLOW_LABEL;
    seen.add(value);
    return value;
  };
}
