/**
 * Digest validation after the grammar, as opencontainers/go-digest v1.0.0 `Digest.Validate` does it with
 * crypto/sha256 and crypto/sha512 linked (the kubelet links both): REGISTRY.md §1.1 and §11.
 */

export type DigestProblem = 'digest-format' | 'digest-length' | 'digest-algorithm';

/** Hex length per registered algorithm. A Map, so names like `constructor` are not found on a prototype. */
const hexLengths: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

/** go-digest's own (looser) digest grammar, consulted only for unregistered algorithms. */
const goDigestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const lowercaseHex = /^[a-f0-9]*$/;

/** Returns what is wrong with the digest, or null when go-digest accepts it. */
export function findDigestProblem(digest: string): DigestProblem | null {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon + 1 === digest.length) return 'digest-format';
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const expectedLength = hexLengths.get(algorithm);
  if (expectedLength === undefined) {
    return goDigestPattern.test(digest) ? 'digest-algorithm' : 'digest-format';
  }
  if (encoded.length !== expectedLength) return 'digest-length';
  return lowercaseHex.test(encoded) ? null : 'digest-format';
}
