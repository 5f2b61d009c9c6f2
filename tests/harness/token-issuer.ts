/**
 * A small token server for the test registry's `auth.token` realm (loopback only). GET /token with optional Basic
 * auth, as docker and containerd do without a secret; POST /token with a form (OAuth2 password or refresh_token
 * grant), as containerd tries first when it has credentials. Records each request without its secrets.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestCa, type IssuedCertificate, issueCertificate, type TestCa } from './registry-certs.ts';
import { grantAccess, parseScopes, signRegistryToken, type TokenAccess } from './registry-token.ts';

export interface RegistryUser {
  readonly username: string;
  readonly password: string;
}

export interface TokenRequest {
  readonly method: 'GET' | 'POST';
  readonly service: string | null;
  /** Every scope asked for, split on spaces, in order. */
  readonly scopes: string[];
  /** The user who authenticated or tried to (null for anonymous requests). Never the password. */
  readonly username: string | null;
  readonly status: number;
  readonly granted: TokenAccess[];
}

export type AnonymousDenial = 'empty-token' | 'unauthorized';

export interface TokenIssuerOptions {
  /** Default `aud` when a request names no service. */
  service: string;
  /** The `iss` claim; the registry's `auth.token.issuer` must equal it. */
  issuer: string;
  users: readonly RegistryUser[];
  /** Repositories anonymous callers may pull (see matchesRepositoryPattern). */
  publicRepositories?: readonly string[] | undefined;
  /** `expires_in` in seconds (default 300); null leaves it out of the answer and the token lives 60 s. */
  expiresIn?: number | null | undefined;
  /**
   * What an anonymous request for a non-public repository gets: a token with no access (Docker Hub style, the
   * registry then answers 401 insufficient_scope; the default) or a 401 from the issuer itself (GHCR style).
   */
  anonymousDenial?: AnonymousDenial | undefined;
  /** Signs the token-signing certificate; also the TLS certificate when `tls` is set. A fresh CA by default. */
  ca?: TestCa | undefined;
  tls?: boolean | undefined;
}

export interface TokenIssuer {
  /** The realm: `http(s)://127.0.0.1:PORT/token`. */
  readonly url: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM for the registry's `rootcertbundle`. */
  readonly rootCertPem: string;
  requests(): TokenRequest[];
  stop(): Promise<void>;
}

interface Caller {
  username: string | null;
  authenticated: boolean;
  rejected: boolean;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function checkPassword(users: readonly RegistryUser[], username: string, password: string): Caller {
  const known = users.find((user) => user.username === username);
  const ok = known !== undefined && known.password === password;
  return { username, authenticated: ok, rejected: !ok };
}

function basicCaller(header: string | undefined, users: readonly RegistryUser[]): Caller {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return { username: null, authenticated: false, rejected: false };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { username: null, authenticated: false, rejected: true };
  return checkPassword(users, decoded.slice(0, colon), decoded.slice(colon + 1));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const ca = options.ca ?? createTestCa('pullguard token CA');
  const signing: IssuedCertificate = issueCertificate(ca, { commonName: 'pullguard token signer' });
  const tlsCert = options.tls
    ? issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] })
    : undefined;
  const expiresIn = options.expiresIn === undefined ? 300 : options.expiresIn;
  const publicRepositories = options.publicRepositories ?? [];
  const log: TokenRequest[] = [];
  const refreshTokens = new Map<string, string>();

  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method === 'POST' ? 'POST' : 'GET';
    if (url.pathname !== '/token' || (request.method !== 'GET' && request.method !== 'POST')) {
      sendJson(response, 404, { details: 'not found' });
      return;
    }
    let params = url.searchParams;
    let caller: Caller;
    let offline = false;
    if (method === 'POST') {
      params = new URLSearchParams(await readBody(request));
      const grant = params.get('grant_type');
      offline = params.get('access_type') === 'offline';
      if (grant === 'password') {
        caller = checkPassword(options.users, params.get('username') ?? '', params.get('password') ?? '');
      } else if (grant === 'refresh_token') {
        const username = refreshTokens.get(params.get('refresh_token') ?? '');
        caller = { username: username ?? null, authenticated: username !== undefined, rejected: !username };
      } else {
        caller = { username: null, authenticated: false, rejected: true };
      }
    } else {
      caller = basicCaller(request.headers.authorization, options.users);
      offline = params.get('offline_token') === 'true';
    }
    const service = params.get('service');
    const { scopes, access } = parseScopes(method === 'POST' ? [params.get('scope') ?? ''] : params.getAll('scope'));
    const record = (status: number, granted: TokenAccess[]): void => {
      log.push({ method, service, scopes, username: caller.username, status, granted });
    };
    if (caller.rejected) {
      record(401, []);
      sendJson(response, 401, { details: 'incorrect username or password' });
      return;
    }
    const granted = grantAccess(access, { authenticated: caller.authenticated, publicRepositories });
    const denied = !caller.authenticated && access.length > 0 && granted.length < access.length;
    if (denied && options.anonymousDenial === 'unauthorized') {
      record(401, []);
      sendJson(response, 401, { details: 'authentication required' });
      return;
    }
    const now = new Date();
    const token = signRegistryToken({
      issuer: options.issuer,
      audience: service ?? options.service,
      subject: caller.username ?? '',
      access: granted,
      lifetimeSeconds: expiresIn ?? 60,
      signingKeyPem: signing.keyPem,
      x5c: [signing.certDerBase64],
      now,
    });
    const body: Record<string, unknown> = { token, access_token: token, issued_at: now.toISOString() };
    if (expiresIn !== null) body.expires_in = expiresIn;
    if (offline && caller.authenticated && caller.username) {
      const refresh = randomUUID();
      refreshTokens.set(refresh, caller.username);
      body.refresh_token = refresh;
    }
    record(200, granted);
    sendJson(response, 200, body);
  };

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    answer(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { details: String(error) });
      else response.destroy();
    });
  };
  const server: Server = tlsCert
    ? createHttpsServer({ cert: tlsCert.certPem, key: tlsCert.keyPem }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `${tlsCert ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    service: options.service,
    issuer: options.issuer,
    rootCertPem: ca.certPem,
    requests: () => log.map((entry) => ({ ...entry, scopes: [...entry.scopes], granted: [...entry.granted] })),
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
