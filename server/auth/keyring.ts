import { createHash } from 'node:crypto';
import { type DockerConfigEntry, PullSecretError, readPullSecret, type SecretLike } from './docker-config.ts';
import { isGoGlobMatch } from './go-glob.ts';
import { type GoUrl, parseGoUrl, splitGoHostPort } from './go-url.ts';
import { hideSecretsWhenPrinted, redactRegistryKey } from './redaction.ts';

/**
 * The kubelet's keyring for a Pod's pull secrets (`pkg/credentialprovider/keyring.go` `BasicDockerKeyring`), pure.
 *
 * Build: each registry key is normalized (`https://` added when no http(s) scheme, scheme and userinfo dropped,
 * a leading `/v1/` or `/v2/` reduced to `/`, key = host or host+path); keys Go's URL parser refuses are ignored.
 * Keys are deduplicated and sorted in reverse byte order; credentials under one key keep insertion order.
 *
 * Lookup: every key whose port equals the image's (as strings), whose host has as many labels, whose path is a
 * string prefix of the image path and whose labels glob-match (Go filepath.Match, case-sensitive) contributes its
 * credentials, in key order. Only when nothing matched and the image looks like Docker Hub are the credentials of
 * key `index.docker.io` used.
 */

export interface Credential {
  readonly username: string;
  readonly password: string;
  /** Where it came from: secret name (or a label such as 'pullguard config'), config key (userinfo redacted). */
  readonly source: { readonly secret: string; readonly key: string };
}

export interface KeyringSource {
  readonly secret: string;
  readonly entries: readonly DockerConfigEntry[];
}

/** The key the kubelet falls back to for Docker Hub images (`https://index.docker.io/v1/` normalizes to it). */
export const DOCKER_HUB_FALLBACK_KEY = 'index.docker.io';

interface IndexedKey {
  readonly key: string;
  /** The key as Lookup re-parses it; null when it cannot be parsed (then it never matches). */
  readonly glob: HostAndPath | null;
}

interface HostAndPath {
  readonly labels: readonly string[];
  readonly port: string;
  readonly path: string;
}

export class Keyring {
  readonly #index: readonly IndexedKey[];
  readonly #credentials: ReadonlyMap<string, readonly Credential[]>;
  readonly #size: number;

  private constructor(credentials: Map<string, Credential[]>) {
    this.#credentials = credentials;
    this.#index = [...credentials.keys()]
      .sort(compareUtf8)
      .reverse()
      .map((key) => ({ key, glob: parseHostAndPath(key) }));
    let size = 0;
    for (const list of credentials.values()) size += list.length;
    this.#size = size;
  }

  /** Sources in imagePullSecrets order. */
  static build(sources: readonly KeyringSource[]): Keyring {
    const credentials = new Map<string, Credential[]>();
    for (const source of sources) {
      for (const entry of source.entries) {
        const key = normalizeRegistryKey(entry.key);
        if (key === null) continue; // the kubelet logs "Entry … in dockercfg invalid" and skips it
        const credential = hideSecretsWhenPrinted<Credential>({
          username: entry.username,
          password: entry.password,
          source: Object.freeze({ secret: source.secret, key: redactRegistryKey(entry.key) }),
        });
        const list = credentials.get(key);
        if (list === undefined) credentials.set(key, [credential]);
        else list.push(credential);
      }
    }
    return new Keyring(credentials);
  }

  /**
   * Credentials for an image name as `ParseImageName` gives it (normalized `domain/path`, no tag or digest), in the
   * order the kubelet tries them. An empty list means the kubelet pulls without credentials.
   */
  lookup(imageName: string): Credential[] {
    // Most Pods name no pull secret: skip parsing the name (a Go URL parse) on every admission review.
    if (this.#credentials.size === 0) return [];
    const target = parseHostAndPath(imageName);
    const matches: Credential[] = [];
    if (target !== null) {
      for (const { key, glob } of this.#index) {
        if (glob !== null && isHostAndPathMatch(glob, target)) matches.push(...(this.#credentials.get(key) ?? []));
      }
    }
    if (matches.length > 0) return matches;
    if (isDefaultRegistryMatch(imageName)) return [...(this.#credentials.get(DOCKER_HUB_FALLBACK_KEY) ?? [])];
    return [];
  }

  /** Number of credentials held (entries whose key the kubelet could not parse are not held). */
  get size(): number {
    return this.#size;
  }

  /** Normalized keys in match order (reverse byte order). */
  get keys(): readonly string[] {
    return this.#index.map(({ key }) => key);
  }

  toJSON(): { size: number; keys: readonly string[] } {
    return { size: this.size, keys: this.keys };
  }
}

/**
 * Builds the keyring of one Pod from its pull secrets (imagePullSecrets order, missing ones already left out).
 * Secrets of another type or without the matching data key are skipped. If any used secret cannot be decoded the
 * result is the error: the kubelet then fails the pull of every image of the Pod.
 */
export function buildPodKeyring(
  secrets: readonly SecretLike[],
): { ok: true; keyring: Keyring } | { ok: false; error: PullSecretError } {
  const sources: KeyringSource[] = [];
  for (const secret of secrets) {
    let entries: DockerConfigEntry[] | null;
    try {
      entries = readPullSecret(secret);
    } catch (error) {
      if (error instanceof PullSecretError) return { ok: false, error };
      throw error;
    }
    if (entries !== null) sources.push({ secret: secret.metadata?.name ?? '', entries });
  }
  return { ok: true, keyring: Keyring.build(sources) };
}

/**
 * A stable, short identity for cache keys: 'anonymous' for no credential, else a truncated SHA-256 over username and
 * password (domain-separated, unambiguous). It does not reveal the password, but like any unsalted hash it can
 * confirm a guess, so keep it out of places where an attacker could read it next to a short password list.
 */
export function credentialIdentity(credential: Credential | null): string {
  if (credential === null) return 'anonymous';
  const digest = createHash('sha256')
    .update('pullguard-credential-v1\0')
    .update(JSON.stringify([credential.username, credential.password]))
    .digest('hex');
  return `sha256:${digest.slice(0, 32)}`;
}

/** `BasicDockerKeyring.Add`'s key normalization; null when Go's `url.Parse` rejects the key. */
export function normalizeRegistryKey(key: string): string | null {
  const withScheme = key.startsWith('https://') || key.startsWith('http://') ? key : `https://${key}`;
  const parsed = parseGoUrl(withScheme);
  if (parsed === null) return null;
  let path = parsed.path;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path.length > 0 && path !== '/' ? parsed.host + path : parsed.host;
}

/** `isDefaultRegistryMatch`: Docker Hub by the look of the first path component. */
export function isDefaultRegistryMatch(imageName: string): boolean {
  const slash = imageName.indexOf('/');
  const first = slash < 0 ? imageName : imageName.slice(0, slash);
  if (first.length === 0) return false;
  if (slash < 0) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !first.includes('.') && !first.includes(':');
}

/** `ParseSchemelessURL` + `SplitURL`: labels and port of the host, and the path. */
function parseHostAndPath(schemeless: string): HostAndPath | null {
  const url: GoUrl | null = parseGoUrl(`https://${schemeless}`);
  if (url === null) return null;
  const split = splitGoHostPort(url.host);
  const host = split === null ? url.host : split.host;
  return { labels: host.split('.'), port: split === null ? '' : split.port, path: url.path };
}

/** `URLsMatch`. */
function isHostAndPathMatch(glob: HostAndPath, target: HostAndPath): boolean {
  if (glob.port !== target.port) return false;
  if (glob.labels.length !== target.labels.length) return false;
  if (!target.path.startsWith(glob.path)) return false;
  return glob.labels.every((label, i) => isGoGlobMatch(label, target.labels[i] ?? ''));
}

/** Go's string order: bytes of the UTF-8 encoding (differs from UTF-16 order above U+FFFF). */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
