/**
 * The registry client's one entry point: does this reference resolve, on the hosts a node would try, with the
 * credentials the kubelet would send? Registry behaviour never throws: every failure becomes an outcome with the
 * answer that decided it. Throws only for programming errors (and ConfigError for unusable settings).
 */
import { registryRepository, repositoryScope } from '../reference/docker-hub.ts';
import type { ImageReference } from '../reference/image-reference.ts';
import { Authenticator } from './auth/authenticator.ts';
import { credentialIdentity, type RegistryCredential } from './auth/credential.ts';
import { Pinger } from './auth/ping.ts';
import { TokenCache } from './auth/token-cache.ts';
import { type HostTarget, planHosts, registryKey } from './hosts.ts';
import { ManifestFinder } from './manifest.ts';
import { type AttemptResult, classifyFailure, combineAttempts, presentResult, toPresentLookup } from './outcome.ts';
import { RegistryError } from './registry-error.ts';
import type { RegistrySettings } from './settings.ts';
import type { AddressGuard } from './ssrf-guard.ts';
import { type RequestEvent, Transport } from './transport.ts';
import type { ManifestLookup } from './types.ts';
import { validateRegistrySettings } from './validate-settings.ts';

export interface RegistryClientOptions {
  settings: RegistrySettings;
  /** Metrics hook: one event per HTTP exchange (pings and token requests included). */
  onRequest?: ((event: RequestEvent) => void) | undefined;
  /** Wall-clock milliseconds (token expiry, ping cache, Retry-After dates). Default Date.now. */
  now?: (() => number) | undefined;
  /** Tests only: an address guard with its own DNS. */
  addressGuard?: AddressGuard | undefined;
}

export interface LookupManifestRequest {
  reference: ImageReference;
  /** In the kubelet's order; none means one anonymous attempt, otherwise no anonymous attempt at all. */
  credentials: readonly RegistryCredential[];
  signal: AbortSignal;
  /** Read an index's platforms (one GET of the index). */
  wantPlatforms?: boolean | undefined;
}

export class RegistryClient {
  readonly #settings: RegistrySettings;
  readonly #transport: Transport;
  readonly #finder: ManifestFinder;

  constructor(options: RegistryClientOptions) {
    validateRegistrySettings(options.settings);
    const now = options.now ?? Date.now;
    this.#settings = options.settings;
    this.#transport = new Transport({
      settings: options.settings,
      onRequest: options.onRequest,
      guard: options.addressGuard,
    });
    const authenticator = new Authenticator({
      transport: this.#transport,
      pinger: new Pinger({ transport: this.#transport, now }),
      tokens: new TokenCache({ now }),
      now,
    });
    this.#finder = new ManifestFinder({ authenticator, now });
  }

  async lookupManifest(request: LookupManifestRequest): Promise<ManifestLookup> {
    const { reference, signal } = request;
    const registry = registryKey(reference);
    const credentials = uniqueCredentials(request.credentials);
    const results: AttemptResult[] = [];
    for (const target of planHosts(this.#settings, reference)) {
      const attempts = target.sendsCredentials && credentials.length > 0 ? credentials : [undefined];
      for (const credential of attempts) {
        const result = await this.#attempt(request, target, registry, credential);
        if (result.outcome === 'present') return toPresentLookup(result);
        results.push(result);
        if (signal.aborted) return combineAttempts(results);
      }
    }
    return combineAttempts(results);
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  async #attempt(
    request: LookupManifestRequest,
    target: HostTarget,
    registry: string,
    credential: RegistryCredential | undefined,
  ): Promise<AttemptResult> {
    const { reference, signal } = request;
    try {
      const found = await this.#finder.find({
        context: { target, credential, scope: repositoryScope(reference), signal },
        repository: registryRepository(reference),
        tagOrDigest: reference.digest ?? reference.tag ?? 'latest',
        expectedDigest: reference.digest ?? undefined,
        wantPlatforms: request.wantPlatforms === true,
        maxManifestBytes: this.#settings.maxManifestBytes,
      });
      return presentResult(target, found);
    } catch (error) {
      if (error instanceof RegistryError) return classifyFailure(error, target, registry);
      // A shared ping or token request abandoned by this caller rejects with the signal's reason.
      if (signal.aborted) {
        return {
          outcome: 'unreachable',
          answer: { host: target.label, codes: [], summary: 'cancelled before the registry answered' },
        };
      }
      throw error;
    }
  }
}

/** The same credential twice would get the same answer twice. */
function uniqueCredentials(credentials: readonly RegistryCredential[]): RegistryCredential[] {
  const seen = new Set<string>();
  const unique: RegistryCredential[] = [];
  for (const credential of credentials) {
    const identity = credentialIdentity(credential);
    if (seen.has(identity)) continue;
    seen.add(identity);
    unique.push(credential);
  }
  return unique;
}
