/** Credentials for harness requests to a test registry: Basic for htpasswd, a token from its issuer for token auth. */

import type { RegistryUser, TestRegistry } from './registry.ts';
import { sendRequest } from './registry-http.ts';

export type RegistryTarget = Pick<TestRegistry, 'url' | 'auth' | 'users' | 'caPem' | 'tokenIssuer' | 'logFile'>;

export function basicAuthorization(user: RegistryUser): string {
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
}

/** Asks the registry's token issuer for a token; `user` null asks anonymously. Throws unless it answers 200. */
export async function fetchRegistryToken(
  registry: RegistryTarget,
  scopes: readonly string[],
  user: RegistryUser | null,
  userAgent?: string,
): Promise<string> {
  const issuer = registry.tokenIssuer;
  if (!issuer) throw new Error(`${registry.url} does not use token auth`);
  const url = new URL(issuer.url);
  url.searchParams.set('service', issuer.service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = user ? { authorization: basicAuthorization(user) } : {};
  if (userAgent) headers['user-agent'] = userAgent;
  const response = await sendRequest({ url: url.href, headers, caPem: registry.caPem });
  if (response.status !== 200) {
    throw new Error(`token issuer answered ${response.status} for ${scopes.join(' ') || 'no scope'}`);
  }
  const body = JSON.parse(response.body.toString('utf8')) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error('token issuer answered without a token');
  return token;
}

/** Authorization headers for `actions` on `repository`, as the registry's auth mode needs them. */
export async function authorizationHeaders(
  registry: RegistryTarget,
  repository: string,
  actions: readonly string[],
  user: RegistryUser | undefined,
  userAgent?: string,
): Promise<Record<string, string>> {
  if (registry.auth === 'none') return {};
  const who = user ?? registry.users[0];
  if (!who) throw new Error(`${registry.url} uses ${registry.auth} auth but has no users`);
  if (registry.auth === 'htpasswd') return { authorization: basicAuthorization(who) };
  const token = await fetchRegistryToken(registry, [`repository:${repository}:${actions.join(',')}`], who, userAgent);
  return { authorization: `Bearer ${token}` };
}
