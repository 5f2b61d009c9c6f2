/** Turns what undici or the socket threw into a RegistryError with a short, credential-free reason. */
import { RegistryError, type RequestPhase } from './registry-error.ts';
import { BlockedAddressError } from './ssrf-guard.ts';

export interface FailureContext {
  readonly method: string;
  readonly url: URL;
  readonly phase: RequestPhase;
  readonly timeoutMs: number;
  /** The caller's signal: aborted means cancelled, not timed out. */
  readonly callerSignal: AbortSignal;
  readonly timeoutSignal: AbortSignal;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
/** OpenSSL's and Node's TLS codes, and the X.509 verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, …). */
const TLS_CODE =
  /CERT|SSL|TLS|UNABLE_TO_|SELF_SIGNED|HOSTNAME_MISMATCH|INVALID_CA|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE/;
const PLAIN_HTTP_HINTS = ['WRONG_VERSION_NUMBER', 'PACKET_LENGTH_TOO_LONG', 'HTTP_REQUEST'];

export function describeNetworkFailure(error: unknown, context: FailureContext): RegistryError {
  const base = { method: context.method, url: context.url, phase: context.phase, cause: error };
  // The registry's own host already leads the message; a token server is another host, so it is named.
  const who = context.phase === 'token' ? `token server ${context.url.host}: ` : '';
  if (error instanceof RegistryError) return error;
  if (context.callerSignal.aborted) {
    return new RegistryError({ ...base, reason: 'cancelled', detail: 'cancelled before the registry answered' });
  }
  const found = causes(error);
  const blocked = found.find((entry): entry is BlockedAddressError => entry instanceof BlockedAddressError);
  if (blocked !== undefined) return new RegistryError({ ...base, reason: 'blocked', detail: blocked.message });
  const codes = found.map((entry) => codeOf(entry)).filter((code): code is string => code !== undefined);
  if (context.timeoutSignal.aborted || codes.some((code) => TIMEOUT_CODES.has(code))) {
    return new RegistryError({ ...base, reason: 'timeout', detail: `timed out after ${context.timeoutMs} ms` });
  }
  const dns = codes.find((code) => DNS_CODES.has(code));
  if (dns !== undefined) {
    return new RegistryError({
      ...base,
      reason: 'dns',
      detail: `DNS lookup of ${context.url.hostname} failed (${dns})`,
    });
  }
  if (codes.includes('ECONNREFUSED')) {
    return new RegistryError({ ...base, reason: 'refused', detail: `${who}refused the connection` });
  }
  if (codes.includes('UND_ERR_HEADERS_OVERFLOW')) {
    return new RegistryError({ ...base, reason: 'headers-too-large', detail: 'sent response headers over the limit' });
  }
  const tls = codes.find((code) => TLS_CODE.test(code));
  if (tls !== undefined) {
    const hint = PLAIN_HTTP_HINTS.some((text) => tls.includes(text))
      ? ' (the server may speak plain HTTP, which needs insecureHttp for this registry)'
      : '';
    return new RegistryError({ ...base, reason: 'tls', detail: `${who}TLS failed (${tls})${hint}` });
  }
  const code = codes[0] ?? (error instanceof Error ? error.name : 'unknown error');
  return new RegistryError({ ...base, reason: 'connection', detail: `${who}connection failed (${code})` });
}

/** The error, its causes and (for AggregateError) its members, breadth first, bounded. */
function causes(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 16) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.includes(next)) continue;
    seen.push(next);
    if (next instanceof AggregateError) queue.push(...next.errors);
    if (next instanceof Error && next.cause !== undefined) queue.push(next.cause);
  }
  return seen;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
