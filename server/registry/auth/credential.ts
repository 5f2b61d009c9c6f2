/**
 * A credential as the registry client uses it. The keyring's Credential (server/auth/keyring.ts) fits this shape;
 * only username and password are read.
 */
import { createHash } from 'node:crypto';

export interface RegistryCredential {
  readonly username: string;
  readonly password: string;
}

/** Basic needs both halves (containerd refuses Basic otherwise, REGISTRY.md §3.3). */
export function isBasicUsable(credential: RegistryCredential | undefined): credential is RegistryCredential {
  return credential !== undefined && credential.username !== '' && credential.password !== '';
}

/**
 * A stable identity for cache keys: `anonymous`, or a SHA-256 of username and password with a domain prefix.
 * It never contains the password; it is still not for logs (it identifies a credential).
 */
export function credentialIdentity(credential: RegistryCredential | undefined): string {
  if (!isBasicUsable(credential)) return 'anonymous';
  const hash = createHash('sha256');
  hash.update('pullguard-registry-credential\0');
  hash.update(credential.username);
  hash.update('\0');
  hash.update(credential.password);
  return `sha256:${hash.digest('hex')}`;
}
