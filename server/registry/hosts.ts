/**
 * The hosts a runtime would try for a reference, in order (containerd hosts.toml semantics, REGISTRY.md §6):
 * the mirrors that may serve it, then the upstream (or the configured `server` in its place). Pure.
 */

import { registryHost } from '../reference/docker-hub.ts';
import type { ImageReference } from '../reference/image-reference.ts';
import { type HostCapability, hostSettingsFor, type RegistrySettings } from './settings.ts';

export interface HostTarget {
  /** Names the host in answers and metrics: the registry as written for the upstream, the mirror's host otherwise. */
  readonly label: string;
  readonly kind: 'mirror' | 'upstream';
  /** Scheme, host and an optional path prefix (no trailing slash); `/v2/…` goes after it. */
  readonly baseUrl: URL;
  /** `?ns=` on mirror requests: the registry as written in the reference. */
  readonly namespace: string | undefined;
  readonly allowPlainHttp: boolean;
  readonly caPem: string | undefined;
  readonly unauthorizedAs: 'unauthorized' | 'absent';
  /** Pull credentials belong to the registry the reference names: mirrors are asked anonymously. */
  readonly sendsCredentials: boolean;
}

/** The settings key for a reference: its domain as written (the host the runtime contacts for the empty-domain quirk). */
export function registryKey(reference: ImageReference): string {
  return reference.domain === '' ? registryHost(reference) : reference.domain;
}

export function planHosts(settings: RegistrySettings, reference: ImageReference): HostTarget[] {
  const registry = registryKey(reference);
  const host = hostSettingsFor(settings, registry);
  const needed: readonly HostCapability[] = reference.digest === null ? ['pull', 'resolve'] : ['pull'];
  const targets: HostTarget[] = [];
  for (const mirror of host.mirrors ?? []) {
    if (!needed.every((capability) => mirror.capabilities.includes(capability))) continue;
    const baseUrl = parseBaseUrl(mirror.url);
    targets.push({
      label: baseUrl.host,
      kind: 'mirror',
      baseUrl,
      namespace: registry,
      allowPlainHttp: mirror.insecureHttp === true,
      caPem: mirror.caPem,
      unauthorizedAs: 'unauthorized',
      sendsCredentials: false,
    });
  }
  const upstream =
    host.server === undefined
      ? parseBaseUrl(`${host.insecureHttp === true ? 'http' : 'https'}://${registryHost(reference)}`)
      : parseBaseUrl(host.server);
  targets.push({
    label: host.server === undefined ? registry : upstream.host,
    kind: 'upstream',
    baseUrl: upstream,
    namespace: undefined,
    allowPlainHttp: host.insecureHttp === true,
    caPem: host.caPem,
    unauthorizedAs: host.unauthorizedAs ?? 'unauthorized',
    sendsCredentials: true,
  });
  return targets;
}

/** `https://host:port/prefix` → URL without trailing slash, query or fragment. Throws TypeError when unparseable. */
export function parseBaseUrl(text: string): URL {
  const url = new URL(text);
  url.search = '';
  url.hash = '';
  url.username = '';
  url.password = '';
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** `<base>/v2/<rest>` plus `?ns=` on mirrors. */
export function registryUrl(target: HostTarget, rest: string): URL {
  const url = new URL(target.baseUrl.href);
  url.pathname = `${target.baseUrl.pathname.replace(/\/+$/, '')}/v2/${rest}`;
  if (target.namespace !== undefined) url.searchParams.set('ns', target.namespace);
  return url;
}
