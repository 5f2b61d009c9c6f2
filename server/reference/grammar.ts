/**
 * The reference grammar of distribution/reference v0.6.0 (REGISTRY.md §1.1), as JavaScript regexes.
 * Character classes are written out in ASCII: Go's `\w` is ASCII-only and no `i`/`u` flag is used.
 * Alternatives are in the Go order so the leftmost-first split (domain first) comes out the same.
 * No pattern nests a quantifier over an ambiguous one, so a failing match backtracks in linear time.
 */

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;

const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6Address})(?::[0-9]+)?`;

export const TAG_MAX_LENGTH = 128;
const tag = `[A-Za-z0-9_][A-Za-z0-9_.-]{0,${TAG_MAX_LENGTH - 1}}`;
const unboundedTag = '[A-Za-z0-9_][A-Za-z0-9_.-]*';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';

const name = `(?:${domainAndPort}/)?${remoteName}`;

/** Groups: 1 name, 2 tag, 3 digest. */
export const referencePattern = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);

/** The same grammar with no tag length limit, only to tell a too-long tag from other format errors. */
export const referenceWithLongTagPattern = new RegExp(`^(${name})(?::(${unboundedTag}))?(?:@(${digest}))?$`);

/** Groups: 1 domain (may be absent), 2 path. */
export const anchoredNamePattern = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);

/** A bare sha256 identifier, which ParseNormalizedNamed refuses as a name. */
export const anchoredIdentifierPattern = /^[a-f0-9]{64}$/;
