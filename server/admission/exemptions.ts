/**
 * Exempt image patterns (`exemptImages`): an image matching one is `skipped` before any parsing, credential or
 * network work. Globs: `*` and `?` stay within one path component (never cross `/`), `**` crosses them, everything
 * else is literal. A pattern is tried on the image as written and on its normalized forms (`docker.io/library/nginx`,
 * `docker.io/library/nginx:1.25`, the digest reference), so `nginx:*` and `docker.io/library/*` both work.
 */
import { ConfigError } from '../errors.ts';
import type { ImageReference } from '../reference/index.ts';

export interface ExemptionMatcher {
  /** The first pattern that matches, or undefined. */
  match(image: string, reference: ImageReference | undefined): string | undefined;
}

/** Patterns are configuration; these bounds keep a careless one from making matching slow. */
const PATTERN_MAX_LENGTH = 512;
const PATTERN_MAX_WILDCARDS = 8;
/** No valid reference is longer (INPUT_MAX_LENGTH of the parser); longer text is never exempt. */
const TEXT_MAX_LENGTH = 4096;

/** Compiles the patterns once; throws ConfigError naming a pattern that is too long or too wild. */
export function compileExemptions(patterns: readonly string[]): ExemptionMatcher {
  const compiled = patterns.map((pattern, index) => ({ pattern, regex: compileGlob(pattern, index) }));
  return {
    match(image, reference) {
      if (compiled.length === 0) return undefined;
      const texts = candidateTexts(image, reference);
      return compiled.find(({ regex }) => texts.some((text) => regex.test(text)))?.pattern;
    },
  };
}

function candidateTexts(image: string, reference: ImageReference | undefined): string[] {
  const texts = new Set<string>([image]);
  if (reference !== undefined) {
    texts.add(reference.name);
    if (reference.tag !== null) texts.add(`${reference.name}:${reference.tag}`);
    texts.add(reference.ref);
  }
  return [...texts].filter((text) => text.length <= TEXT_MAX_LENGTH);
}

function compileGlob(pattern: string, index: number): RegExp {
  const where = `admission.exemptImages[${index}]`;
  if (pattern === '') throw new ConfigError(`${where}: must not be empty`);
  if (pattern.length > PATTERN_MAX_LENGTH) {
    throw new ConfigError(`${where}: longer than ${PATTERN_MAX_LENGTH} characters`);
  }
  let source = '';
  let wildcards = 0;
  for (let position = 0; position < pattern.length; position += 1) {
    const char = pattern[position] ?? '';
    if (char === '*' && pattern[position + 1] === '*') {
      source += '.*';
      position += 1;
      wildcards += 1;
    } else if (char === '*') {
      source += '[^/]*';
      wildcards += 1;
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[\\^$.|+()[\]{}-]/g, '\\$&');
    }
  }
  if (wildcards > PATTERN_MAX_WILDCARDS) {
    throw new ConfigError(`${where}: more than ${PATTERN_MAX_WILDCARDS} '*' wildcards`);
  }
  return new RegExp(`^${source}$`, 's');
}
