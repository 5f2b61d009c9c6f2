/**
 * The one place that does registry HTTP. One `send` is one logical request: redirects are followed here (up to
 * maxRedirects, never to a scheme other than http(s), never down to plain HTTP unless allowed), `Authorization`
 * goes only to the origin it was issued for, every hop has its own deadline and obeys the caller's signal, bodies
 * are read with a cap, and every connection passes the address guard.
 */
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { headerValue, type ResponseHeaders } from './http-headers.ts';
import { describeNetworkFailure } from './network-failure.ts';
import { RegistryError, type RequestPhase } from './registry-error.ts';
import type { RegistrySettings } from './settings.ts';
import { type AddressGuard, createAddressGuard, guardConnector } from './ssrf-guard.ts';

export interface RequestEvent {
  readonly registry: string;
  readonly method: string;
  readonly status: number | 'error';
  readonly durationMs: number;
}

export interface TransportOptions {
  readonly settings: RegistrySettings;
  readonly onRequest?: ((event: RequestEvent) => void) | undefined;
  /** For tests: replaces DNS resolution behind the address guard. */
  readonly guard?: AddressGuard | undefined;
}

export interface Exchange {
  readonly method: 'GET' | 'HEAD';
  readonly url: URL;
  readonly phase: RequestPhase;
  readonly accept?: string | undefined;
  /** Sent only to `origin`; dropped on a redirect anywhere else. */
  readonly authorization?: { readonly origin: string; readonly value: string } | undefined;
  /** Cap for a 2xx body; a larger one is an error. Other bodies are read up to a small cap and truncated. */
  readonly maxBodyBytes: number;
  /** http: URLs (first or redirected to) are refused unless this is set. */
  readonly allowPlainHttp: boolean;
  readonly caPem?: string | undefined;
  readonly signal: AbortSignal;
  /** The registry label for the metrics hook. */
  readonly registry: string;
}

export interface ExchangeResult {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
  /** After redirects. */
  readonly url: URL;
}

/** Error and redirect bodies are only read for their error codes. */
const SMALL_BODY_BYTES = 64 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export class Transport {
  readonly #settings: RegistrySettings;
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #guard: AddressGuard;
  readonly #agents = new Map<string, Agent>();

  constructor(options: TransportOptions) {
    this.#settings = options.settings;
    this.#onRequest = options.onRequest;
    this.#guard = options.guard ?? createAddressGuard(options.settings.denyCidrs);
  }

  async send(exchange: Exchange): Promise<ExchangeResult> {
    let url = exchange.url;
    for (let redirects = 0; ; redirects += 1) {
      this.#checkScheme(url, exchange);
      const response = await this.#sendOnce(exchange, url);
      const location = headerValue(response.headers, 'location');
      if (!REDIRECT_STATUSES.has(response.status) || location === undefined) return response;
      if (redirects >= this.#settings.maxRedirects) {
        throw new RegistryError({
          reason: 'redirects',
          method: exchange.method,
          url: exchange.url,
          phase: exchange.phase,
          detail: `redirected more than ${this.#settings.maxRedirects} times`,
        });
      }
      try {
        url = new URL(location, url);
      } catch (cause) {
        throw new RegistryError({
          reason: 'garbage',
          method: exchange.method,
          url,
          phase: exchange.phase,
          detail: 'redirected to an unparseable location',
          cause,
        });
      }
    }
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((agent) => agent.close()));
  }

  #checkScheme(url: URL, exchange: Exchange): void {
    const fail = (detail: string) =>
      new RegistryError({ reason: 'insecure', method: exchange.method, url, phase: exchange.phase, detail });
    if (url.protocol === 'https:') return;
    if (url.protocol !== 'http:') throw fail(`refused the ${url.protocol.replace(':', '')} scheme (http(s) only)`);
    if (!exchange.allowPlainHttp) {
      throw fail(`refused plain HTTP to ${url.host} (only with insecureHttp set for this registry)`);
    }
  }

  async #sendOnce(exchange: Exchange, url: URL): Promise<ExchangeResult> {
    const timeoutMs = this.#settings.requestTimeoutMs;
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([exchange.signal, timeoutSignal]);
    const headers: Record<string, string> = { 'user-agent': this.#settings.userAgent };
    if (exchange.accept !== undefined) headers.accept = exchange.accept;
    if (exchange.authorization !== undefined && exchange.authorization.origin === url.origin) {
      headers.authorization = exchange.authorization.value;
    }
    const started = performance.now();
    let status: number | 'error' = 'error';
    try {
      const response = await this.#agentFor(exchange.caPem).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: exchange.method,
        headers,
        signal,
      });
      status = response.statusCode;
      const isSuccess = status >= 200 && status <= 299;
      // A HEAD's Content-Length describes the GET body, not this (empty) one.
      const declared = exchange.method === 'GET' ? headerValue(response.headers, 'content-length') : undefined;
      const body = isSuccess
        ? await readCapped(response.body, { cap: exchange.maxBodyBytes, truncate: false, declared })
        : await readCapped(response.body, { cap: SMALL_BODY_BYTES, truncate: true, declared: undefined });
      if (body === undefined) {
        throw new RegistryError({
          reason: 'too-large',
          method: exchange.method,
          url,
          phase: exchange.phase,
          status,
          detail: `sent a body larger than ${exchange.maxBodyBytes} bytes`,
        });
      }
      return { status, headers: response.headers, body: body ?? Buffer.alloc(0), url };
    } catch (error) {
      throw describeNetworkFailure(error, {
        method: exchange.method,
        url,
        phase: exchange.phase,
        timeoutMs,
        callerSignal: exchange.signal,
        timeoutSignal,
      });
    } finally {
      this.#onRequest?.({
        registry: exchange.registry,
        method: exchange.method,
        status,
        durationMs: performance.now() - started,
      });
    }
  }

  #agentFor(caPem: string | undefined): Agent {
    const key = caPem ?? '';
    let agent = this.#agents.get(key);
    if (agent === undefined) {
      const connect = buildConnector({
        timeout: this.#settings.requestTimeoutMs,
        lookup: this.#guard.lookup,
        ...(caPem === undefined ? {} : { ca: [...rootCertificates, caPem] }),
      });
      agent = new Agent({
        connect: guardConnector(this.#guard, connect),
        maxHeaderSize: this.#settings.maxHeaderBytes,
        headersTimeout: this.#settings.requestTimeoutMs,
        bodyTimeout: this.#settings.requestTimeoutMs,
      });
      this.#agents.set(key, agent);
    }
    return agent;
  }
}

/**
 * The body, or undefined when it is larger than `cap` and `truncate` is off. With `truncate` the body is cut at
 * the cap. Either way the stream is destroyed early rather than drained.
 */
async function readCapped(
  body: Readable,
  options: { cap: number; truncate: boolean; declared: string | undefined },
): Promise<Buffer | undefined> {
  const { cap, truncate, declared } = options;
  // Destroying a body we stop reading makes undici emit an abort error; it is expected, not a failure.
  body.on('error', ignore);
  if (!truncate && declared !== undefined && /^[0-9]+$/.test(declared) && Number(declared) > cap) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = cap - size;
    if (chunk.length > room) {
      body.destroy();
      if (!truncate) return undefined;
      chunks.push(chunk.subarray(0, room));
      return Buffer.concat(chunks);
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks);
}

function ignore(): void {}
