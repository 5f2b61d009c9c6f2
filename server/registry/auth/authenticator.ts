/**
 * Chooses and applies the authentication a host asks for (go-containerregistry's schemer): ping the host, act on
 * its challenge (Bearer first, Basic only with a credential, as containerd), send the request, and on a 401 answer
 * the new challenge once: a first Bearer token or Basic header, or a fresh token when the one sent came from the
 * cache, the challenge says `error=…`, or it asks for other scopes. No other retries.
 *
 * A Bearer token or Basic header goes only to the origin whose challenge asked for it.
 */
import { type Challenge, parseChallenges, selectChallenge } from '../challenge.ts';
import type { HostTarget } from '../hosts.ts';
import { headerLines } from '../http-headers.ts';
import { RegistryError } from '../registry-error.ts';
import { SharedFlight } from '../shared-flight.ts';
import type { Exchange, ExchangeResult, Transport } from '../transport.ts';
import { basicAuthorization } from './basic.ts';
import { fetchToken, type IssuedToken } from './bearer.ts';
import { credentialIdentity, isBasicUsable, type RegistryCredential } from './credential.ts';
import type { Pinger } from './ping.ts';
import type { TokenCache } from './token-cache.ts';

export interface AuthContext {
  readonly target: HostTarget;
  readonly credential: RegistryCredential | undefined;
  /** The repository scope of the lookup (`repository:<path>:pull`), always asked for. */
  readonly scope: string;
  readonly signal: AbortSignal;
}

/** What the caller describes; the authenticator fills in where and how it is sent. */
export type RegistryExchange = Pick<Exchange, 'method' | 'url' | 'phase' | 'accept' | 'maxBodyBytes'>;

export interface AuthenticatorOptions {
  readonly transport: Transport;
  readonly pinger: Pinger;
  readonly tokens: TokenCache;
  /** Wall-clock milliseconds. */
  readonly now: () => number;
}

interface SentAuthorization {
  readonly scheme: 'basic' | 'bearer';
  readonly origin: string;
  readonly value: string;
  readonly token?: { readonly key: string; readonly token: string; readonly fromCache: boolean; scopes: string[] };
}

/** A hostile challenge could ask for any number of scopes; we ask for ours plus a few. */
const MAX_SCOPES = 8;

export class Authenticator {
  readonly #transport: Transport;
  readonly #pinger: Pinger;
  readonly #tokens: TokenCache;
  readonly #now: () => number;
  readonly #tokenFlights = new SharedFlight<string, IssuedToken>();

  constructor(options: AuthenticatorOptions) {
    this.#transport = options.transport;
    this.#pinger = options.pinger;
    this.#tokens = options.tokens;
    this.#now = options.now;
  }

  async send(context: AuthContext, exchange: RegistryExchange): Promise<ExchangeResult> {
    const hasCredential = isBasicUsable(context.credential);
    const ping = await this.#pinger.ping(context.target, context.signal);
    const pinged = ping.kind === 'challenge' ? selectChallenge(ping.challenges, { hasCredential }) : undefined;
    const origin = context.target.baseUrl.origin;
    let sent = pinged === undefined ? undefined : await this.#authorize(context, pinged, origin, true);
    const first = await this.#sendWith(context, exchange, sent);
    if (first.status !== 401) return first;
    const challenges = parseChallenges(headerLines(first.headers, 'www-authenticate'));
    const challenge = selectChallenge(challenges, { hasCredential });
    if (challenge === undefined || !shouldAnswer(challenge, sent, context.scope)) return first;
    if (sent?.token !== undefined) this.#tokens.invalidate(sent.token.key, sent.token.token);
    sent = await this.#authorize(context, challenge, first.url.origin, false);
    return this.#sendWith(context, exchange, sent);
  }

  #sendWith(context: AuthContext, exchange: RegistryExchange, sent: SentAuthorization | undefined) {
    return this.#transport.send({
      ...exchange,
      authorization: sent === undefined ? undefined : { origin: sent.origin, value: sent.value },
      allowPlainHttp: context.target.allowPlainHttp,
      caPem: context.target.caPem,
      signal: context.signal,
      registry: context.target.label,
    });
  }

  async #authorize(
    context: AuthContext,
    challenge: Challenge,
    origin: string,
    cachedTokenAllowed: boolean,
  ): Promise<SentAuthorization | undefined> {
    if (challenge.scheme === 'basic') {
      const value = basicAuthorization(context.credential);
      return value === undefined ? undefined : { scheme: 'basic', origin, value };
    }
    const realm = challenge.params.realm;
    if (realm === undefined) {
      throw new RegistryError({
        reason: 'auth-unusable',
        method: 'GET',
        url: context.target.baseUrl,
        phase: 'token',
        status: 401,
        detail: 'answered 401 with a Bearer challenge that names no realm',
      });
    }
    const service = challenge.params.service;
    const scopes = scopesFor(challenge, context.scope);
    const key = [origin, realm, service ?? '', scopes.join(' '), credentialIdentity(context.credential)].join('\n');
    const cached = cachedTokenAllowed ? this.#tokens.get(key) : undefined;
    if (cached !== undefined) {
      return {
        scheme: 'bearer',
        origin,
        value: `Bearer ${cached}`,
        token: { key, token: cached, fromCache: true, scopes },
      };
    }
    const issued = await this.#tokenFlights.run(key, context.signal, async (signal) => {
      const token = await fetchToken(
        this.#transport,
        { target: context.target, realm, service, scopes, credential: context.credential, signal },
        this.#now(),
      );
      this.#tokens.set(key, token.token, token.lifetimeSeconds);
      return token;
    });
    return {
      scheme: 'bearer',
      origin,
      value: `Bearer ${issued.token}`,
      token: { key, token: issued.token, fromCache: false, scopes },
    };
  }
}

/** Whether a 401 is worth one more request: only when we would now send something different. */
function shouldAnswer(challenge: Challenge, sent: SentAuthorization | undefined, scope: string): boolean {
  if (sent === undefined) return true;
  if (challenge.scheme !== sent.scheme) return true;
  if (sent.token === undefined) return false;
  if (sent.token.fromCache || challenge.params.error !== undefined) return true;
  const wanted = scopesFor(challenge, scope);
  return wanted.some((entry) => !sent.token?.scopes.includes(entry));
}

/** Our repository scope plus the challenge's (space-separated), unique and sorted so cache keys are stable. */
function scopesFor(challenge: Challenge, scope: string): string[] {
  const asked = (challenge.params.scope ?? '').split(' ').filter((entry) => entry !== '');
  return [...new Set([scope, ...asked.slice(0, MAX_SCOPES)])].sort();
}
