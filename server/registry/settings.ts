/**
 * What the registry client needs to know about registries: per-host TLS, plain HTTP, mirrors (containerd
 * hosts.toml semantics, REGISTRY.md §6), and the global limits. Config code maps the YAML config into this.
 */
export type HostCapability = 'pull' | 'resolve';

export interface MirrorSettings {
  /** Base URL, scheme required (`https://mirror.example:5000`); an optional path is a prefix before `/v2/`. */
  readonly url: string;
  /** Tags are looked up only on hosts with `resolve` (and `pull`); digests need `pull`. */
  readonly capabilities: readonly HostCapability[];
  readonly caPem?: string | undefined;
  /** An `http://` URL is used only when this is true. */
  readonly insecureHttp?: boolean | undefined;
}

export interface HostSettings {
  /** Talk plain HTTP to the upstream. Never implied (not even for localhost). */
  readonly insecureHttp?: boolean | undefined;
  /** Extra CA certificates (PEM) trusted for this registry, on top of the system roots. */
  readonly caPem?: string | undefined;
  /** Tried in order before the upstream, as containerd does. */
  readonly mirrors?: readonly MirrorSettings[] | undefined;
  /** Replaces the upstream (hosts.toml `server`): a URL with scheme. */
  readonly server?: string | undefined;
  /** Docker Hub answers 401 for repositories that do not exist; `absent` turns refusals from this host into not-found. */
  readonly unauthorizedAs?: 'unauthorized' | 'absent' | undefined;
}

export interface RegistrySettings {
  /** Keyed by the registry host as written in references (`docker.io`, `ghcr.io`, `localhost:5000`); `*` is the default. */
  readonly hosts: Readonly<Record<string, HostSettings>>;
  /** Addresses never connected to, checked on the resolved IP at connect time (redirects and token realms included). */
  readonly denyCidrs: readonly string[];
  /** Deadline of one HTTP exchange (connect, headers and body). */
  readonly requestTimeoutMs: number;
  /** Largest manifest or index body read. */
  readonly maxManifestBytes: number;
  readonly maxRedirects: number;
  /** Largest response header block accepted. */
  readonly maxHeaderBytes: number;
  readonly userAgent: string;
}

/** Link-local (cloud metadata lives there), Alibaba's metadata address, "this network" and the unspecified address. */
export const DEFAULT_DENY_CIDRS: readonly string[] = [
  '169.254.0.0/16',
  'fe80::/10',
  'fd00:ec2::254/128',
  '100.100.100.200/32',
  '0.0.0.0/8',
  '::/128',
  '::ffff:169.254.0.0/112',
  '::ffff:100.100.100.200/128',
  '::ffff:0.0.0.0/104',
];

/** containerd's MaxManifestSize is 4·1048·1048 (sic); we keep a round 4 MiB. */
export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export function defaultRegistrySettings(): RegistrySettings {
  return {
    hosts: { '*': {} },
    denyCidrs: [...DEFAULT_DENY_CIDRS],
    requestTimeoutMs: 5000,
    maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES,
    maxRedirects: 3,
    maxHeaderBytes: 64 * 1024,
    userAgent: 'pullguard',
  };
}

/** The settings for one registry: its own entry laid over the `*` entry, field by field. */
export function hostSettingsFor(settings: RegistrySettings, registry: string): HostSettings {
  const fallback = settings.hosts['*'] ?? {};
  const own = Object.hasOwn(settings.hosts, registry) ? settings.hosts[registry] : undefined;
  if (own === undefined) return fallback;
  const merged: Record<string, unknown> = { ...fallback };
  for (const [key, value] of Object.entries(own)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged as HostSettings;
}
