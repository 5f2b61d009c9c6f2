/**
 * Go's `path/filepath.Match` (Unix flavour), which the kubelet applies to each DNS label of a keyring key.
 *
 * Syntax: `*` (any run of non-`/` characters), `?` (one non-`/` character), `[...]` / `[^...]` classes with `a-z`
 * ranges, `\x` escapes (also inside classes). A malformed pattern is an error, not a mismatch; Go reports it even when
 * the name already failed to match, and the kubelet treats it as "no match".
 *
 * Characters are compared as code points; Go walks bytes for literals and runes for `?` and classes, which is the
 * same thing for the ASCII names (hosts) this is used on.
 */

export type GlobResult = 'match' | 'mismatch' | 'bad-pattern';

const SEPARATOR = '/';

type ChunkResult =
  | { readonly kind: 'ok'; readonly rest: number }
  | { readonly kind: 'fail' }
  | { readonly kind: 'bad' };

const FAIL: ChunkResult = { kind: 'fail' };
const BAD: ChunkResult = { kind: 'bad' };

/** Matches `name` against `pattern` with Go's `filepath.Match` semantics. */
export function matchGoGlob(pattern: string, name: string): GlobResult {
  const p = Array.from(pattern);
  const n = Array.from(name);
  let pi = 0;
  let ni = 0;
  nextChunk: while (pi < p.length) {
    const chunk = scanChunk(p, pi);
    pi = chunk.end;
    if (chunk.star && chunk.bodyStart === chunk.bodyEnd) {
      // A trailing star takes the rest of the name unless a separator is in it.
      return n.slice(ni).includes(SEPARATOR) ? 'mismatch' : 'match';
    }
    const here = matchChunk(p, chunk.bodyStart, chunk.bodyEnd, n, ni);
    // The last chunk must consume the whole name; otherwise a later star may still help.
    if (here.kind === 'ok' && (here.rest === n.length || pi < p.length)) {
      ni = here.rest;
      continue;
    }
    if (here.kind === 'bad') return 'bad-pattern';
    if (chunk.star) {
      for (let skip = ni; skip < n.length && n[skip] !== SEPARATOR; skip++) {
        const later = matchChunk(p, chunk.bodyStart, chunk.bodyEnd, n, skip + 1);
        if (later.kind === 'ok') {
          if (pi === p.length && later.rest < n.length) continue;
          ni = later.rest;
          continue nextChunk;
        }
        if (later.kind === 'bad') return 'bad-pattern';
      }
    }
    // A mismatch: still report a malformed remainder of the pattern, as Go does.
    while (pi < p.length) {
      const rest = scanChunk(p, pi);
      pi = rest.end;
      if (matchChunk(p, rest.bodyStart, rest.bodyEnd, [], 0).kind === 'bad') return 'bad-pattern';
    }
    return 'mismatch';
  }
  return ni === n.length ? 'match' : 'mismatch';
}

/** True only for a well-formed pattern that matches; how the kubelet reads `filepath.Match`. */
export function isGoGlobMatch(pattern: string, name: string): boolean {
  return matchGoGlob(pattern, name) === 'match';
}

interface Chunk {
  readonly star: boolean;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly end: number;
}

/** Leading stars, then everything up to the next star outside a class. */
function scanChunk(p: readonly string[], start: number): Chunk {
  let i = start;
  let star = false;
  while (i < p.length && p[i] === '*') {
    star = true;
    i++;
  }
  const bodyStart = i;
  let inClass = false;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 < p.length) i++;
    } else if (c === '[') {
      inClass = true;
    } else if (c === ']') {
      inClass = false;
    } else if (c === '*' && !inClass) {
      break;
    }
  }
  return { star, bodyStart, bodyEnd: i, end: i };
}

/**
 * Matches one star-free chunk at the start of `n[from..]`. After a failure the chunk is still walked to the end so
 * that a malformed pattern is reported.
 */
function matchChunk(p: readonly string[], start: number, end: number, n: readonly string[], from: number): ChunkResult {
  let failed = false;
  let ci = start;
  let ni = from;
  while (ci < end) {
    if (!failed && ni >= n.length) failed = true;
    const c = p[ci];
    if (c === '[') {
      const subject = failed ? undefined : n[ni++];
      ci++;
      let negated = false;
      if (ci < end && p[ci] === '^') {
        negated = true;
        ci++;
      }
      let matched = false;
      let ranges = 0;
      for (;;) {
        if (ci < end && p[ci] === ']' && ranges > 0) {
          ci++;
          break;
        }
        const lo = readClassChar(p, ci, end);
        if (lo === null) return BAD;
        ci = lo.next;
        let hi = lo.char;
        if (p[ci] === '-') {
          const upper = readClassChar(p, ci + 1, end);
          if (upper === null) return BAD;
          ci = upper.next;
          hi = upper.char;
        }
        if (subject !== undefined && codePoint(lo.char) <= codePoint(subject) && codePoint(subject) <= codePoint(hi)) {
          matched = true;
        }
        ranges++;
      }
      if (matched === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (n[ni] === SEPARATOR) failed = true;
        ni++;
      }
      ci++;
    } else {
      let literal = c;
      if (c === '\\') {
        ci++;
        if (ci >= end) return BAD;
        literal = p[ci];
      }
      if (!failed) {
        if (literal !== n[ni]) failed = true;
        ni++;
      }
      ci++;
    }
  }
  return failed ? FAIL : { kind: 'ok', rest: ni };
}

/** One character of a class (escape allowed); null when the class is malformed there. */
function readClassChar(p: readonly string[], at: number, end: number): { char: string; next: number } | null {
  let i = at;
  if (i >= end || p[i] === '-' || p[i] === ']') return null;
  if (p[i] === '\\') {
    i++;
    if (i >= end) return null;
  }
  const char = p[i];
  // A class must be closed: a character may never be the last thing in the chunk.
  if (char === undefined || i + 1 >= end) return null;
  return { char, next: i + 1 };
}

function codePoint(char: string): number {
  return char.codePointAt(0) ?? 0;
}
