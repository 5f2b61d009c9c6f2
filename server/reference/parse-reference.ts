/**
 * ParseNormalizedNamed of distribution/reference v0.6.0 plus the kubelet's `:latest` defaulting
 * (REGISTRY.md §1). Pure: no I/O, no clock.
 */
import { findDigestProblem } from './digest.ts';
import {
  anchoredIdentifierPattern,
  anchoredNamePattern,
  referencePattern,
  referenceWithLongTagPattern,
  TAG_MAX_LENGTH,
} from './grammar.ts';
import type { ImageReference } from './image-reference.ts';
import { InvalidReferenceError, type InvalidReferenceReason, quoteForMessage } from './invalid-reference-error.ts';
import { splitDockerDomain } from './normalize.ts';

/** RepositoryNameTotalLengthMax; since v0.6.0 it bounds the path only (REGISTRY.md §1.5). */
export const PATH_MAX_LENGTH = 255;

/**
 * Inputs longer than this are refused before any regex runs. A valid reference is far shorter (path ≤ 255,
 * tag ≤ 128, digest ≤ 135); only an absurd host name could go past it, and no registry has one.
 */
export const INPUT_MAX_LENGTH = 4096;

const defaultTag = 'latest';
const formatMessage = 'invalid reference format';

export type ParseReferenceResult =
  | { ok: true; reference: ImageReference }
  | { ok: false; error: InvalidReferenceError };

/** Parses an image string as the kubelet does; throws InvalidReferenceError when the kubelet would refuse it. */
export function parseReference(input: string): ImageReference {
  const result = tryParseReference(input);
  if (!result.ok) throw result.error;
  return result.reference;
}

/**
 * Valid references recently parsed, by input: a cluster names the same images over and over, and a warm admission
 * review parses each one twice (examine, resolver cache key). Bounded, oldest out first; results are frozen.
 */
const recentlyParsed = new Map<string, ParseReferenceResult>();
const RECENTLY_PARSED_MAX = 2048;
const RECENTLY_PARSED_MAX_INPUT = 512;

/** Like parseReference, but returns the error instead of throwing it. */
export function tryParseReference(input: string): ParseReferenceResult {
  const known = recentlyParsed.get(input);
  if (known !== undefined) return known;
  const result = parseUncached(input);
  if (result.ok && input.length <= RECENTLY_PARSED_MAX_INPUT) {
    if (recentlyParsed.size >= RECENTLY_PARSED_MAX) {
      const oldest = recentlyParsed.keys().next();
      if (oldest.done !== true) recentlyParsed.delete(oldest.value);
    }
    recentlyParsed.set(input, Object.freeze(result));
  }
  return result;
}

function parseUncached(input: string): ParseReferenceResult {
  if (typeof input !== 'string') return fail('format', String(input), formatMessage);
  if (input === '') return fail('empty', input, `${formatMessage}: repository name must have at least one component`);
  if (input.length > INPUT_MAX_LENGTH) {
    return fail('format', input, `${formatMessage}: longer than ${INPUT_MAX_LENGTH} characters`);
  }
  if (anchoredIdentifierPattern.test(input)) {
    return fail('hex-name', input, `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }

  const { domain: splitDomain, remainder } = splitDockerDomain(input);
  const tagSeparator = remainder.indexOf(':');
  const remote = tagSeparator === -1 ? remainder : remainder.slice(0, tagSeparator);
  if (remote.toLowerCase() !== remote) {
    return fail('uppercase', input, `${formatMessage}: repository name (${describeName(remote)}) must be lowercase`);
  }

  const normalized = `${splitDomain}/${remainder}`;
  const match = referencePattern.exec(normalized);
  if (match === null) {
    const [reason, detail] = classifyMismatch(normalized);
    return fail(reason, input, detail);
  }

  const nameMatch = anchoredNamePattern.exec(match[1] ?? '');
  const domain = nameMatch?.[1] ?? '';
  const path = nameMatch?.[2] ?? match[1] ?? '';
  if (path.length > PATH_MAX_LENGTH) {
    return fail('name-too-long', input, `repository name must not be more than ${PATH_MAX_LENGTH} characters`);
  }

  const tag = match[2] ?? null;
  const digest = match[3] ?? null;
  if (digest !== null) {
    const problem = findDigestProblem(digest);
    if (problem !== null) return fail(problem, input, digestMessages[problem]);
  }

  const name = domain === '' ? path : `${domain}/${path}`;
  const ref = digest !== null ? `${name}@${digest}` : `${name}:${tag ?? defaultTag}`;
  const reference: ImageReference = Object.freeze({ input, domain, path, name, tag, digest, ref });
  return { ok: true, reference };
}

const digestMessages = {
  'digest-format': 'invalid checksum digest format',
  'digest-length': 'invalid checksum digest length',
  'digest-algorithm': 'unsupported digest algorithm',
} as const;

/** Why the normalized string failed the grammar: Go's uppercase retry first, then a too-long tag, else format. */
function classifyMismatch(normalized: string): [InvalidReferenceReason, string] {
  const lowered = normalized.toLowerCase();
  if (lowered !== normalized && referencePattern.test(lowered)) {
    return ['uppercase', 'repository name must be lowercase'];
  }
  const longTag = referenceWithLongTagPattern.exec(normalized);
  if (longTag?.[2] !== undefined && longTag[2].length > TAG_MAX_LENGTH) {
    return ['tag-too-long', `${formatMessage}: tag must not be more than ${TAG_MAX_LENGTH} characters`];
  }
  return ['format', formatMessage];
}

/** The repository name inside the uppercase message: as is when plain, else quoted and cut. */
function describeName(remote: string): string {
  return /^[\x20-\x7e]{1,100}$/.test(remote) ? remote : quoteForMessage(remote);
}

function fail(reason: InvalidReferenceReason, input: string, detail: string): ParseReferenceResult {
  return { ok: false, error: new InvalidReferenceError(reason, input, detail) };
}
