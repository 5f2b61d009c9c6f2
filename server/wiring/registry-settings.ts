import { readFileSync } from 'node:fs';
import type { Config, RegistryHostConfig } from '../config/config.ts';
import { ConfigError } from '../errors.ts';
import {
  defaultRegistrySettings,
  type HostSettings,
  type MirrorSettings,
  type RegistrySettings,
} from '../registry/settings.ts';

function readCa(path: string | undefined, key: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return pem;
  } catch (error) {
    throw new ConfigError(`${key}: cannot read CA bundle ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
}

function hostSettings(host: string, config: RegistryHostConfig): HostSettings {
  const key = `registries.hosts.${host}`;
  const mirrors: MirrorSettings[] = config.mirrors.map((mirror, index) => ({
    url: mirror.url,
    capabilities: mirror.capabilities,
    insecureHttp: mirror.insecureHttp,
    caPem: readCa(mirror.caFile, `${key}.mirrors[${index}].caFile`),
  }));
  return {
    insecureHttp: config.insecureHttp,
    caPem: readCa(config.caFile, `${key}.caFile`),
    mirrors,
    server: config.server,
    unauthorizedAs: config.unauthorizedAs,
  };
}

/** Maps the `registries` section of the configuration onto the registry client's settings (reads CA files). */
export function registrySettingsFromConfig(
  config: Config,
  extraInsecureHosts: readonly string[] = [],
): RegistrySettings {
  const defaults = defaultRegistrySettings();
  const hosts: Record<string, HostSettings> = { ...defaults.hosts };
  for (const [host, hostConfig] of Object.entries(config.registries.hosts))
    hosts[host] = hostSettings(host, hostConfig);
  for (const host of extraInsecureHosts) hosts[host] = { ...(hosts[host] ?? {}), insecureHttp: true };
  return {
    ...defaults,
    hosts,
    denyCidrs: [...defaults.denyCidrs, ...config.registries.denyCidrs],
    requestTimeoutMs: config.registries.requestTimeoutMs,
    maxManifestBytes: config.registries.maxManifestBytes,
  };
}
