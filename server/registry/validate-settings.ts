/** Refuses settings the client cannot work with, naming the key, before any request is made. */
import { ConfigError } from '../errors.ts';
import { parseCidr } from './cidr.ts';
import type { RegistrySettings } from './settings.ts';

export function validateRegistrySettings(settings: RegistrySettings): void {
  for (const [index, text] of settings.denyCidrs.entries()) {
    try {
      parseCidr(text);
    } catch {
      throw new ConfigError(`registries.denyCidrs[${index}]: not a CIDR: ${JSON.stringify(text)}`);
    }
  }
  for (const [name, value] of Object.entries({
    requestTimeoutMs: settings.requestTimeoutMs,
    maxManifestBytes: settings.maxManifestBytes,
    maxHeaderBytes: settings.maxHeaderBytes,
  })) {
    if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`registries.${name}: must be a positive integer`);
  }
  if (!Number.isInteger(settings.maxRedirects) || settings.maxRedirects < 0) {
    throw new ConfigError('registries.maxRedirects: must be a non-negative integer');
  }
  for (const [host, entry] of Object.entries(settings.hosts)) {
    if (entry.server !== undefined) checkUrl(`registries.hosts.${host}.server`, entry.server);
    for (const [index, mirror] of (entry.mirrors ?? []).entries()) {
      checkUrl(`registries.hosts.${host}.mirrors[${index}].url`, mirror.url);
    }
  }
}

function checkUrl(key: string, text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${key}: not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${key}: must be http(s)`);
  if (url.username !== '' || url.password !== '') throw new ConfigError(`${key}: must not carry credentials`);
}
