import { readFileSync } from 'node:fs';
import { parseDockerConfigJson } from '../auth/docker-config.ts';
import { type Credential, Keyring } from '../auth/keyring.ts';
import type { Config } from '../config/config.ts';
import { ConfigError } from '../errors.ts';
import { RegistryClient } from '../registry/client.ts';
import type { RequestEvent } from '../registry/transport.ts';
import { Resolver } from '../resolver/resolver.ts';
import { registrySettingsFromConfig } from './registry-settings.ts';

/** The label static credentials carry as their "secret" in messages and `explain` output. */
export const STATIC_CREDENTIALS_SOURCE = 'pullguard credentials.dockerConfigFile';

export interface ResolutionStack {
  readonly client: RegistryClient;
  readonly resolver: Resolver;
  /** pullguard's own credentials (config `credentials.dockerConfigFile`), tried after a Pod's, like node credentials. */
  readonly staticKeyring: Keyring;
  close(): Promise<void>;
}

export interface ResolutionStackOptions {
  onRequest?: ((event: RequestEvent) => void) | undefined;
  /** Hosts to talk plain HTTP to, on top of the configuration (the CLI's --insecure-registry). */
  insecureHosts?: readonly string[] | undefined;
  now?: (() => number) | undefined;
}

export function loadStaticKeyring(path: string | undefined): Keyring {
  if (path === undefined) return Keyring.build([]);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `credentials.dockerConfigFile: cannot read ${JSON.stringify(path)}: ${(error as Error).message}`,
    );
  }
  return Keyring.build([{ secret: STATIC_CREDENTIALS_SOURCE, entries: parseDockerConfigJson(text, path) }]);
}

/** Registry client + cache/coalescing resolver + static credentials, built from one configuration. */
export function createResolutionStack(config: Config, options: ResolutionStackOptions = {}): ResolutionStack {
  const now = options.now ?? Date.now;
  const client = new RegistryClient({
    settings: registrySettingsFromConfig(config, options.insecureHosts),
    onRequest: options.onRequest,
    now,
  });
  const resolver = new Resolver({
    client,
    now,
    ttl: {
      tagMs: config.cache.tagTtlSeconds * 1000,
      digestMs: config.cache.digestTtlSeconds * 1000,
      absentMs: config.cache.absentTtlSeconds * 1000,
    },
    maxEntries: config.cache.maxEntries,
    maxConcurrentPerRegistry: config.cache.maxConcurrentPerRegistry,
    lookupTimeoutMs: Math.floor(config.webhook.timeoutSeconds * 1000 * config.webhook.budgetFraction),
  });
  return {
    client,
    resolver,
    staticKeyring: loadStaticKeyring(config.credentials.dockerConfigFile),
    close: () => client.close(),
  };
}

/**
 * The credentials the kubelet would try for an image, in order: the Pod's pull secrets first, then credentials
 * the node holds (here: pullguard's own), as the kubelet's union keyring does.
 */
export function credentialsFor(imageName: string, podKeyring: Keyring | null, staticKeyring: Keyring): Credential[] {
  return [...(podKeyring?.lookup(imageName) ?? []), ...staticKeyring.lookup(imageName)];
}
