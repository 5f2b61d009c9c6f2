/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Pure: the clock is passed in. */

/** Longest wait we report: a registry asking for more than a day is treated as asking for a day. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** Milliseconds to wait, or undefined when the header is absent or unreadable. `nowMs` is wall-clock time. */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^[0-9]+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  if (!/^[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - nowMs, 0), MAX_RETRY_AFTER_MS);
}
