/** Shared set-up for the registry client's integration tests against the real docker-registry. */
import { parseReference } from '../../../server/reference/parse-reference.ts';
import type { RegistryCredential } from '../../../server/registry/auth/credential.ts';
import { RegistryClient, type RegistryClientOptions } from '../../../server/registry/client.ts';
import {
  defaultRegistrySettings,
  type HostSettings,
  type RegistrySettings,
} from '../../../server/registry/settings.ts';
import type { RequestEvent } from '../../../server/registry/transport.ts';
import type { ManifestLookup } from '../../../server/registry/types.ts';

/** Settings where each named registry host gets its HostSettings (plain HTTP unless the entry says otherwise). */
export function settingsFor(hosts: Record<string, HostSettings>): RegistrySettings {
  const base = defaultRegistrySettings();
  const entries = Object.entries(hosts).map(([host, entry]) => [host, { insecureHttp: true, ...entry }]);
  return { ...base, hosts: { ...base.hosts, ...Object.fromEntries(entries) } };
}

export interface TestClient {
  readonly client: RegistryClient;
  readonly events: RequestEvent[];
  lookup(
    image: string,
    options?: { credentials?: RegistryCredential[]; wantPlatforms?: boolean },
  ): Promise<ManifestLookup>;
}

/** A client closed in the test's teardown, recording the metrics events. */
export function useClient(
  t: { teardown(fn: () => unknown): void },
  settings: RegistrySettings,
  options: Omit<RegistryClientOptions, 'settings' | 'onRequest'> = {},
): TestClient {
  const events: RequestEvent[] = [];
  const client = new RegistryClient({ ...options, settings, onRequest: (event) => events.push(event) });
  t.teardown(() => client.close());
  return {
    client,
    events,
    lookup: (image, lookupOptions = {}) =>
      client.lookupManifest({
        reference: parseReference(image),
        credentials: lookupOptions.credentials ?? [],
        signal: AbortSignal.timeout(15_000),
        wantPlatforms: lookupOptions.wantPlatforms,
      }),
  };
}
