/**
 * What reached the harness registry, counted from its access log and its token issuer's record; and the time of
 * one plain manifest HEAD, the baseline for review latencies that need the registry.
 */
import type { RegistryAccess, TestRegistry, TokenRequest } from '../../tests/harness/registry.ts';
import { authorizationHeaders } from '../../tests/harness/registry-auth.ts';
import { FULL_MANIFEST_ACCEPT, sendRequest } from '../../tests/harness/registry-http.ts';
import { type LatencySummary, summarize } from './stats.ts';

const MANIFEST_PATH = /^\/v2\/.+\/manifests\/[^/]+$/;

export function isManifestRequest(entry: RegistryAccess): boolean {
  return (entry.method === 'HEAD' || entry.method === 'GET') && MANIFEST_PATH.test(entry.path);
}

export interface TokenFigures {
  readonly total: number;
  readonly scopes: number;
  /** The most token requests that named one scope. */
  readonly maxPerScope: number;
}

/** Token requests counted per scope (a request naming several scopes counts for each). */
export function countTokenRequests(requests: readonly TokenRequest[]): TokenFigures {
  const perScope = new Map<string, number>();
  for (const request of requests) {
    for (const scope of request.scopes) perScope.set(scope, (perScope.get(scope) ?? 0) + 1);
  }
  return { total: requests.length, scopes: perScope.size, maxPerScope: Math.max(0, ...perScope.values()) };
}

/** Everything the registry logged after the first `skip` entries (a snapshot length taken earlier). */
export async function accessSince(registry: TestRegistry, skip: number): Promise<RegistryAccess[]> {
  return (await registry.settledAccessLog()).slice(skip);
}

/**
 * `samples` manifest HEADs with the full Accept list, each on a fresh connection (as a first lookup is), with the
 * credentials the registry needs obtained beforehand: the registry's own round trip, without pullguard.
 */
export async function measureHeadRoundTrip(
  registry: TestRegistry,
  repository: string,
  tag: string,
  samples: number,
): Promise<LatencySummary> {
  const auth = await authorizationHeaders(registry, repository, ['pull'], undefined, 'pullguard-bench-head');
  const times: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const started = performance.now();
    const response = await sendRequest({
      method: 'HEAD',
      url: `/v2/${repository}/manifests/${tag}`,
      baseUrl: registry.url,
      caPem: registry.caPem,
      headers: { accept: FULL_MANIFEST_ACCEPT, 'user-agent': 'pullguard-bench-head', ...auth },
    });
    times.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`HEAD ${repository}:${tag} answered ${response.status}`);
  }
  return summarize(times);
}
