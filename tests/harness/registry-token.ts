/**
 * The token side of distribution's token auth: scope parsing, the issuer's grant policy and the JWT the registry
 * verifies (registry/auth/token/token.go: `iss` and `aud` must match the registry's `issuer` and `service`, `exp`/`nbf`
 * are checked with 60 s leeway, and the signing key comes from the leaf of the `x5c` chain, which must verify against
 * `rootcertbundle`).
 */
import { createPrivateKey, randomUUID, sign } from 'node:crypto';

export interface TokenAccess {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** `repository:library/nginx:pull,push` → type, name, actions. The name may itself hold colons (a port). */
export function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((action) => action !== '');
  return name === '' ? undefined : { type, name, actions };
}

/** Scope parameters may repeat and each may hold several space-separated scopes. */
export function parseScopes(values: readonly string[]): { scopes: string[]; access: TokenAccess[] } {
  const scopes = values.flatMap((value) => value.split(' ')).filter((scope) => scope !== '');
  const access = scopes.map(parseScope).filter((entry): entry is TokenAccess => entry !== undefined);
  return { scopes, access };
}

/**
 * Repository patterns: `team/` is a prefix, `*` matches within one path segment and `**` across segments, anything
 * else is an exact name.
 */
export function matchesRepositoryPattern(name: string, pattern: string): boolean {
  if (pattern.endsWith('/') && !pattern.includes('*')) return name.startsWith(pattern);
  if (!pattern.includes('*')) return name === pattern;
  const source = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`).test(name);
}

const userActions = new Set(['pull', 'push', 'delete', '*']);

/** Known users get what they ask for (pull, push, delete); anonymous callers get pull on public repositories. */
export function grantAccess(
  requested: readonly TokenAccess[],
  who: { authenticated: boolean; publicRepositories: readonly string[] },
): TokenAccess[] {
  const granted: TokenAccess[] = [];
  for (const entry of requested) {
    let actions: string[];
    if (who.authenticated) actions = entry.actions.filter((action) => userActions.has(action));
    else if (
      entry.type === 'repository' &&
      who.publicRepositories.some((pattern) => matchesRepositoryPattern(entry.name, pattern))
    )
      actions = entry.actions.filter((action) => action === 'pull');
    else actions = [];
    if (actions.length > 0) granted.push({ type: entry.type, name: entry.name, actions });
  }
  return granted;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export interface SignTokenOptions {
  issuer: string;
  audience: string;
  subject: string;
  access: readonly TokenAccess[];
  lifetimeSeconds: number;
  /** PEM of the RSA key the `x5c` leaf certifies. */
  signingKeyPem: string;
  /** The chain, leaf first, as base64 DER. */
  x5c: readonly string[];
  now: Date;
}

export function signRegistryToken(options: SignTokenOptions): string {
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', x5c: options.x5c };
  const claims = {
    iss: options.issuer,
    sub: options.subject,
    aud: options.audience,
    exp: nowSeconds + options.lifetimeSeconds,
    nbf: nowSeconds - 1,
    iat: nowSeconds,
    jti: randomUUID(),
    access: options.access,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), createPrivateKey(options.signingKeyPem));
  return `${signingInput}.${base64url(signature)}`;
}
