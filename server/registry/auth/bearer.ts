/**
 * The Bearer token request (distribution token spec, REGISTRY.md §3.2): `GET <realm>?service=…&scope=…` with
 * Basic credentials when there are some, anonymous otherwise. The realm must be http(s) (plain HTTP only where the
 * registry itself is plain HTTP by configuration) and passes the same address guard; the Basic header goes to the
 * realm's origin only, never along a redirect elsewhere.
 */
import type { HostTarget } from '../hosts.ts';
import { parseErrorCodes, RegistryError } from '../registry-error.ts';
import { parseRetryAfter } from '../retry-after.ts';
import type { Transport } from '../transport.ts';
import { basicAuthorization } from './basic.ts';
import type { RegistryCredential } from './credential.ts';
import { tokenLifetimeSeconds } from './token-cache.ts';

export interface TokenRequest {
  readonly target: HostTarget;
  readonly realm: string;
  readonly service: string | undefined;
  readonly scopes: readonly string[];
  readonly credential: RegistryCredential | undefined;
  readonly signal: AbortSignal;
}

export interface IssuedToken {
  readonly token: string;
  readonly lifetimeSeconds: number;
}

const TOKEN_BODY_BYTES = 1024 * 1024;

export async function fetchToken(transport: Transport, request: TokenRequest, nowMs: number): Promise<IssuedToken> {
  const url = tokenUrl(request);
  const basic = basicAuthorization(request.credential);
  const response = await transport.send({
    method: 'GET',
    url,
    phase: 'token',
    accept: 'application/json',
    authorization: basic === undefined ? undefined : { origin: url.origin, value: basic },
    maxBodyBytes: TOKEN_BODY_BYTES,
    allowPlainHttp: request.target.allowPlainHttp,
    caPem: request.target.caPem,
    signal: request.signal,
    registry: request.target.label,
  });
  if (response.status !== 200) {
    throw new RegistryError({
      reason: 'status',
      method: 'GET',
      url: response.url,
      phase: 'token',
      status: response.status,
      codes: parseErrorCodes(response.body),
      retryAfterMs: parseRetryAfter(response.headers['retry-after'], nowMs),
      detail: `token endpoint ${response.url.host} answered ${response.status}`,
    });
  }
  const issued = parseTokenResponse(response.body);
  if (issued === undefined) {
    throw new RegistryError({
      reason: 'garbage',
      method: 'GET',
      url: response.url,
      phase: 'token',
      status: response.status,
      detail: `token endpoint ${response.url.host} sent no usable token`,
    });
  }
  return issued;
}

/** `access_token` over `token` (containerd, distribution); undefined when neither is a usable header value. */
export function parseTokenResponse(body: Uint8Array): IssuedToken | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const fields = parsed as { access_token?: unknown; token?: unknown; expires_in?: unknown };
  const token = isUsableToken(fields.access_token) ? fields.access_token : fields.token;
  if (!isUsableToken(token)) return undefined;
  return { token, lifetimeSeconds: tokenLifetimeSeconds(fields.expires_in) };
}

function isUsableToken(value: unknown): value is string {
  return typeof value === 'string' && /^[\x21-\x7e]{1,16384}$/.test(value);
}

function tokenUrl(request: TokenRequest): URL {
  let url: URL;
  try {
    url = new URL(request.realm);
  } catch (cause) {
    throw new RegistryError({
      reason: 'auth-unusable',
      method: 'GET',
      url: request.target.baseUrl,
      phase: 'token',
      detail: 'named a token realm that is not a URL',
      cause,
    });
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  if (request.service !== undefined) url.searchParams.append('service', request.service);
  for (const scope of request.scopes) url.searchParams.append('scope', scope);
  return url;
}
