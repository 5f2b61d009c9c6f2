/** HTTP Basic, only with both a username and a password. */
import { isBasicUsable, type RegistryCredential } from './credential.ts';

export function basicAuthorization(credential: RegistryCredential | undefined): string | undefined {
  if (!isBasicUsable(credential)) return undefined;
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`;
}
