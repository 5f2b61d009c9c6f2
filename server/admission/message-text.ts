/**
 * Untrusted text (image strings, registry answers) made safe for admission messages, warnings and annotations:
 * everything outside printable ASCII is escaped (warnings travel as HTTP `Warning` headers), and long text is cut
 * in the middle so both ends of an image name stay readable.
 */

const ellipsis = '...';

/**
 * Printable ASCII stays; control characters, non-ASCII and (with `quotes`, for text shown inside double quotes)
 * quotes and backslashes become JSON-style escapes, per UTF-16 unit, so a lone surrogate is as visible as any other.
 */
export function escapeText(text: string, quotes = true): string {
  let out = '';
  for (let index = 0; index < text.length; index += 1) out += escapeChar(text[index] ?? '', quotes);
  return out;
}

function escapeChar(unit: string, quotes = true): string {
  const code = unit.charCodeAt(0);
  if (quotes && (unit === '"' || unit === '\\')) return `\\${unit}`;
  if (code >= 0x20 && code < 0x7f) return unit;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` escaped, within `maxLength` characters: when too long, the escaped start and end are kept around `...`.
 * Escape sequences are never cut, and only as many characters are looked at as can be shown.
 */
export function escapeWithin(text: string, maxLength: number): string {
  if (text.length <= maxLength) {
    const whole = escapeText(text);
    if (whole.length <= maxLength) return whole;
  }
  const budget = Math.max(maxLength - ellipsis.length, 0);
  const headBudget = Math.ceil(budget / 2);
  let head = '';
  let index = 0;
  for (; index < text.length; index += 1) {
    const piece = escapeChar(text[index] ?? '');
    if (head.length + piece.length > headBudget) break;
    head += piece;
  }
  let tail = '';
  for (let back = text.length - 1; back >= index; back -= 1) {
    const piece = escapeChar(text[back] ?? '');
    if (head.length + tail.length + piece.length > budget) break;
    tail = piece + tail;
  }
  return `${head}${ellipsis}${tail}`;
}

/** Keeps the start and the end of `text`, joined by `...`, within `maxLength` characters. */
export function truncateMiddle(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= ellipsis.length) return text.slice(0, maxLength);
  const keep = maxLength - ellipsis.length;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}${ellipsis}${text.slice(text.length - (keep - head))}`;
}

/** Keeps the start of `text`, ending with `...`, within `maxLength` characters. */
export function truncateEnd(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= ellipsis.length) return text.slice(0, maxLength);
  return `${text.slice(0, maxLength - ellipsis.length)}${ellipsis}`;
}

/** An image string in double quotes, escaped, at most `maxLength` characters including the quotes. */
export function quoteImage(image: string, maxLength = 200): string {
  return `"${escapeWithin(image, Math.max(maxLength - 2, ellipsis.length))}"`;
}

/**
 * Free text from elsewhere (a registry's error, a resolver detail), escaped and cut at the end. It is not inside
 * quotes, so quotes and backslashes stay as they are.
 */
export function sanitizeDetail(text: string, maxLength = 300): string {
  return truncateEnd(escapeText(text.slice(0, maxLength), false), maxLength);
}
