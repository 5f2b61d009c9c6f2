/**
 * Minimal Basic and Bearer behaviour on top of the loopback server, for the client's auth tests: just enough of
 * a registry and a token server to check what the client sends where. Not a registry.
 */
import type { IncomingMessage } from 'node:http';
import { answerError, answerManifest, type LoopbackServer, schema2Manifest } from './loopback-server.ts';

export const MANIFEST = schema2Manifest();

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A registry that wants `Authorization: Basic` for one user; serves team/app:v1. */
export function serveBasicRegistry(server: LoopbackServer, username: string, password: string): void {
  server.handle((request, response, url) => {
    if (request.headers.authorization !== basicHeader(username, password)) {
      return void answerError(response, 401, 'UNAUTHORIZED', { 'www-authenticate': 'Basic realm="test"' });
    }
    if (url.pathname === '/v2/') return void response.writeHead(200).end('{}');
    if (url.pathname === '/v2/team/app/manifests/v1') return void answerManifest(request, response, MANIFEST);
    answerError(response, 404, 'MANIFEST_UNKNOWN');
  });
}

export interface TokenAuthState {
  /** Users the token server accepts; anonymous requests get a token only when `anonymous` is set. */
  users: Record<string, string>;
  anonymous: boolean;
  expiresIn: number | undefined;
  /** Tokens the registry accepts. */
  valid: Set<string>;
  issued: number;
}

export function newTokenAuthState(overrides: Partial<TokenAuthState> = {}): TokenAuthState {
  return { users: {}, anonymous: true, expiresIn: 300, valid: new Set(), issued: 0, ...overrides };
}

function userOf(request: IncomingMessage, users: Record<string, string>): string | undefined | null {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Basic (.+)$/.exec(header);
  if (match === null) return null;
  const [username, password] = Buffer.from(match[1] ?? '', 'base64')
    .toString()
    .split(':');
  return username !== undefined && users[username] === password ? username : null;
}

/** `tokens` issues `tok-N`; `registry` wants `Bearer tok-N` and points at `tokens` in its challenges. */
export function serveTokenAuth(
  registry: LoopbackServer,
  tokens: LoopbackServer,
  state: TokenAuthState,
  options: { realm?: string; challengeError?: string } = {},
): void {
  const realm = options.realm ?? `${tokens.origin}/token`;
  tokens.handle((request, response, url) => {
    if (url.pathname !== '/token') return void answerError(response, 404);
    const user = userOf(request, state.users);
    if (user === null || (user === undefined && !state.anonymous))
      return void answerError(response, 401, 'UNAUTHORIZED');
    state.issued += 1;
    const token = `tok-${state.issued}`;
    state.valid.add(token);
    const body: Record<string, unknown> = { token, access_token: token };
    if (state.expiresIn !== undefined) body.expires_in = state.expiresIn;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  registry.handle((request, response, url) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined || !state.valid.has(token)) {
      const scope = url.pathname === '/v2/' ? '' : ',scope="repository:team/app:pull"';
      const error = token === undefined ? '' : `,error="${options.challengeError ?? 'invalid_token'}"`;
      return void answerError(response, 401, 'UNAUTHORIZED', {
        'www-authenticate': `Bearer realm="${realm}",service="test-registry"${scope}${error}`,
      });
    }
    if (url.pathname === '/v2/') return void response.writeHead(200).end('{}');
    if (url.pathname === '/v2/team/app/manifests/v1') return void answerManifest(request, response, MANIFEST);
    answerError(response, 404, 'MANIFEST_UNKNOWN');
  });
}
