/**
 * Go's `encoding/base64` decoding with the standard alphabet: `StdEncoding` (padded) or `RawStdEncoding` (no
 * padding). Unlike `Buffer.from(s, 'base64')` it rejects the URL-safe alphabet, stray characters and wrong padding.
 * Like Go it skips `\r` and `\n` anywhere and ignores non-zero trailing bits.
 */

export type Base64Problem = 'invalid-character' | 'wrong-padding' | 'truncated';

export type Base64Result =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly problem: Base64Problem; readonly offset: number };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map(Array.from(ALPHABET, (c, i) => [c, i] as const));

/** Decodes `text`; `padded` picks StdEncoding (true) or RawStdEncoding (false). */
export function decodeGoBase64(text: string, padded: boolean): Base64Result {
  const out: number[] = [];
  let i = 0;
  const skipNewlines = (): void => {
    while (i < text.length && (text[i] === '\n' || text[i] === '\r')) i++;
  };
  for (;;) {
    const quantum: number[] = [];
    while (quantum.length < 4) {
      if (i === text.length) {
        if (quantum.length === 0) return { ok: true, bytes: Buffer.from(out) };
        if (quantum.length === 1 || padded) return { ok: false, problem: 'truncated', offset: i - quantum.length };
        break;
      }
      const c = text[i++] ?? '';
      const value = VALUES.get(c);
      if (value !== undefined) {
        quantum.push(value);
        continue;
      }
      if (c === '\n' || c === '\r') continue;
      if (!padded || c !== '=') return { ok: false, problem: 'invalid-character', offset: i - 1 };
      // Padding: "xx==" or "xxx=", then nothing but newlines.
      if (quantum.length < 2) return { ok: false, problem: 'wrong-padding', offset: i - 1 };
      if (quantum.length === 2) {
        skipNewlines();
        if (i === text.length) return { ok: false, problem: 'wrong-padding', offset: i };
        if (text[i] !== '=') return { ok: false, problem: 'wrong-padding', offset: i };
        i++;
      }
      skipNewlines();
      if (i < text.length) return { ok: false, problem: 'wrong-padding', offset: i };
      break;
    }
    emitQuantum(quantum, out);
    if (quantum.length < 4) return { ok: true, bytes: Buffer.from(out) };
  }
}

/** `strings.TrimSpace(field)` ends with '=' → padded, else unpadded: the kubelet's rule for the `auth` field. */
export function decodeDockerAuthField(field: string): Base64Result {
  return decodeGoBase64(field, trimGoSpace(field).endsWith('='));
}

function emitQuantum(quantum: readonly number[], out: number[]): void {
  const [a = 0, b = 0, c = 0, d = 0] = quantum;
  const bits = (a << 18) | (b << 12) | (c << 6) | d;
  const bytes = [(bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff];
  out.push(...bytes.slice(0, quantum.length - 1));
}

/** Go's `unicode.IsSpace` set (differs from String.prototype.trim on U+0085 and U+FEFF). */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

function trimGoSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && GO_SPACE.test(text[start] ?? '')) start++;
  while (end > start && GO_SPACE.test(text[end - 1] ?? '')) end--;
  return text.slice(start, end);
}
