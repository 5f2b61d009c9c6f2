/** Digests of manifest bodies, for checking `Docker-Content-Digest` and by-digest requests. */
import { createHash } from 'node:crypto';

const HEX_LENGTHS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

/** The algorithm of a digest we can verify (`sha256:<64 lowercase hex>`, sha384, sha512), or undefined. */
export function verifiableAlgorithm(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const length = HEX_LENGTHS.get(algorithm);
  if (colon === -1 || length === undefined) return undefined;
  const hex = digest.slice(colon + 1);
  return hex.length === length && /^[0-9a-f]+$/.test(hex) ? algorithm : undefined;
}

export function computeDigest(body: Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}
