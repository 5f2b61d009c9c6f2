/**
 * `GET /v2/` without credentials, to learn how a host wants to be authenticated (go-containerregistry's ping).
 * Answers are kept per host base URL for a while and concurrent pings of one host share one request. A host that
 * does not answer, or answers 429/5xx, fails the ping (that host is unreachable for this lookup); any other
 * status just means "no challenge known yet": the manifest request's own 401 will carry one.
 */
import { type Challenge, parseChallenges } from '../challenge.ts';
import { type HostTarget, registryUrl } from '../hosts.ts';
import { headerLines } from '../http-headers.ts';
import { parseErrorCodes, RegistryError } from '../registry-error.ts';
import { parseRetryAfter } from '../retry-after.ts';
import { SharedFlight } from '../shared-flight.ts';
import type { Transport } from '../transport.ts';

export type PingResult =
  /** 200: no authentication asked for at the top level. */
  | { readonly kind: 'open' }
  /** 401 with the challenges it carried (possibly none). */
  | { readonly kind: 'challenge'; readonly challenges: readonly Challenge[] }
  /** Any other answer: nothing learned. */
  | { readonly kind: 'unknown' };

export interface PingerOptions {
  readonly transport: Transport;
  /** Wall-clock milliseconds. */
  readonly now: () => number;
  readonly ttlMs?: number | undefined;
  readonly maxEntries?: number | undefined;
}

const DEFAULT_TTL_MS = 5 * 60 * 1000;
const PING_BODY_BYTES = 64 * 1024;

export class Pinger {
  readonly #transport: Transport;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #answers = new Map<string, { readonly result: PingResult; readonly expiresAt: number }>();
  readonly #flights = new SharedFlight<string, PingResult>();

  constructor(options: PingerOptions) {
    this.#transport = options.transport;
    this.#now = options.now;
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#maxEntries = options.maxEntries ?? 1000;
  }

  async ping(target: HostTarget, signal: AbortSignal): Promise<PingResult> {
    const key = `${target.baseUrl.href} ${target.caPem ?? ''}`;
    const known = this.#answers.get(key);
    if (known !== undefined && this.#now() < known.expiresAt) return known.result;
    return this.#flights.run(key, signal, async (shared) => {
      const result = await this.#ping(target, shared);
      this.#answers.delete(key);
      if (this.#answers.size >= this.#maxEntries) {
        const oldest = this.#answers.keys().next();
        if (oldest.done !== true) this.#answers.delete(oldest.value);
      }
      this.#answers.set(key, { result, expiresAt: this.#now() + this.#ttlMs });
      return result;
    });
  }

  async #ping(target: HostTarget, signal: AbortSignal): Promise<PingResult> {
    const url = registryUrl(target, '');
    const response = await this.#transport.send({
      method: 'GET',
      url,
      phase: 'ping',
      maxBodyBytes: PING_BODY_BYTES,
      allowPlainHttp: target.allowPlainHttp,
      caPem: target.caPem,
      signal,
      registry: target.label,
    });
    if (response.status === 200) return { kind: 'open' };
    if (response.status === 401) {
      return { kind: 'challenge', challenges: parseChallenges(headerLines(response.headers, 'www-authenticate')) };
    }
    if (response.status === 429 || response.status >= 500) {
      throw new RegistryError({
        reason: 'status',
        method: 'GET',
        url: response.url,
        phase: 'ping',
        status: response.status,
        codes: parseErrorCodes(response.body),
        retryAfterMs: parseRetryAfter(response.headers['retry-after'], this.#now()),
        detail: `answered ${response.status} to /v2/`,
      });
    }
    return { kind: 'unknown' };
  }
}
