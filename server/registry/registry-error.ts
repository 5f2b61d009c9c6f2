/**
 * What went wrong talking to a registry, as data: the HTTP status and the registry's error codes when it answered,
 * or why it did not. Used inside the registry client only; RegistryClient turns it into an outcome. The URL is
 * redacted when the error is built (no userinfo, no query values but a few harmless ones).
 */
import { PullguardError } from '../errors.ts';

export type RegistryFailureReason =
  /** The registry answered with a status we do not accept (see `status` and `codes`). */
  | 'status'
  | 'timeout'
  | 'cancelled'
  | 'dns'
  | 'refused'
  | 'connection'
  | 'tls'
  /** The address is in the deny list (SSRF guard). */
  | 'blocked'
  /** Plain HTTP (or a downgrade to it) without `insecureHttp`. */
  | 'insecure'
  | 'too-large'
  | 'headers-too-large'
  /** A body or header that does not make sense (bad JSON, a digest that does not match). */
  | 'garbage'
  | 'redirects'
  /** A challenge or token realm we cannot act on. */
  | 'auth-unusable';

export type RequestPhase = 'ping' | 'token' | 'manifest' | 'blob';

export interface RegistryErrorInit {
  readonly reason: RegistryFailureReason;
  readonly method: string;
  readonly url: URL | string;
  readonly phase: RequestPhase;
  readonly detail: string;
  readonly status?: number | undefined;
  readonly codes?: readonly string[] | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly cause?: unknown;
}

const TEMPORARY_REASONS: ReadonlySet<RegistryFailureReason> = new Set(['timeout', 'dns', 'refused', 'connection']);

export class RegistryError extends PullguardError {
  readonly reason: RegistryFailureReason;
  readonly status: number | undefined;
  readonly codes: readonly string[];
  /** Worth trying again later: 429, 5xx, timeouts and connection errors. */
  readonly temporary: boolean;
  readonly method: string;
  /** Redacted. */
  readonly url: string;
  readonly phase: RequestPhase;
  /** Short text without method and URL, e.g. `answered 404` or `timed out after 5000 ms`. */
  readonly detail: string;
  readonly retryAfterMs: number | undefined;

  constructor(init: RegistryErrorInit) {
    const url = redactUrl(init.url);
    super('REGISTRY_ERROR', `${init.method} ${url}: ${init.detail}`, { cause: init.cause });
    this.reason = init.reason;
    this.status = init.status;
    this.codes = init.codes ?? [];
    this.temporary =
      TEMPORARY_REASONS.has(init.reason) ||
      (init.status !== undefined && (init.status === 429 || (init.status >= 500 && init.status <= 599)));
    this.method = init.method;
    this.url = url;
    this.phase = init.phase;
    this.detail = init.detail;
    this.retryAfterMs = init.retryAfterMs;
  }
}

const VISIBLE_QUERY_PARAMS: ReadonlySet<string> = new Set(['ns', 'service', 'scope']);

/** The URL without userinfo, with every query value replaced except `ns`, `service` and `scope`. */
export function redactUrl(input: URL | string): string {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    return '<unparseable url>';
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  if (url.search !== '') {
    const redacted = new URLSearchParams();
    for (const [name, value] of url.searchParams) {
      redacted.append(name, VISIBLE_QUERY_PARAMS.has(name) ? value : 'REDACTED');
    }
    url.search = redacted.toString();
  }
  return url.toString();
}

const MAX_CODES = 8;

/** The `errors[].code` values of a distribution error body, or [] when the body is not one. */
export function parseErrorCodes(body: Uint8Array): string[] {
  if (body.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const errors = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  const codes: string[] = [];
  for (const entry of errors) {
    const code = typeof entry === 'object' && entry !== null ? (entry as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code)) codes.push(code.toUpperCase());
    if (codes.length >= MAX_CODES) break;
  }
  return codes;
}
