/**
 * The platform check of REGISTRY.md §7, pure: can some candidate node platform pull an entry of this index?
 *
 * - `match`: a candidate finds an entry of exactly its own platform (after normalization) — every runtime pulls it.
 * - `fallback-only`: candidates find only entries that containerd's lenient vector accepts (lower variants of the
 *   same architecture, 386 for amd64, 32-bit arm/v8…v5 for arm64), or another variant of their architecture that
 *   the node may or may not support because the candidate named no variant (node labels never do). containerd 1.x
 *   pulls those, 2.x's default path may not: a warning, never a rejection.
 * - `none`: no candidate can pull any entry. This is the only verdict that may reject a Pod.
 */
import type { Platform } from '../registry/types.ts';

export type PlatformMatch = 'match' | 'fallback-only' | 'none';

export interface PlatformCheck {
  readonly match: PlatformMatch;
  /** Candidates (normalized) with an entry of their own platform. */
  readonly matched: readonly Platform[];
  /** Candidates (normalized) served only by a lenient fallback. */
  readonly fallbackOnly: readonly Platform[];
  /** Candidates (normalized) that no entry serves. */
  readonly unmatched: readonly Platform[];
}

/** containerd's normalizeArch (plus `v8.0` for arm64) and lowercasing; `os.version` is kept as is. */
export function normalizePlatform(platform: Platform): Platform {
  let os = platform.os.toLowerCase();
  if (os === 'macos') os = 'darwin';
  let architecture = platform.architecture.toLowerCase();
  let variant = (platform.variant ?? '').toLowerCase();
  switch (architecture) {
    case 'i386':
      architecture = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64';
      if (variant === '8' || variant === 'v8' || variant === 'v8.0') variant = '';
      break;
    case 'armhf':
      architecture = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      architecture = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
      break;
  }
  return {
    os,
    architecture,
    ...(variant === '' ? {} : { variant }),
    ...(platform.osVersion === undefined || platform.osVersion === '' ? {} : { osVersion: platform.osVersion }),
  };
}

/** `linux/arm/v7`, `windows(10.0.17763.1)/amd64`: containerd's specifier syntax. */
export function formatPlatform(platform: Platform): string {
  const os =
    platform.osVersion === undefined || platform.osVersion === ''
      ? platform.os
      : `${platform.os}(${platform.osVersion})`;
  const variant = platform.variant === undefined || platform.variant === '' ? '' : `/${platform.variant}`;
  return `${os}/${platform.architecture}${variant}`;
}

/** Index entries `unknown/unknown` are attestation manifests (buildkit), not runnable images. */
export function isAttestationPlatform(platform: Platform): boolean {
  return platform.os === 'unknown' && platform.architecture === 'unknown';
}

export function matchPlatforms(candidates: readonly Platform[], available: readonly Platform[]): PlatformMatch {
  return checkPlatforms(candidates, available).match;
}

/** Classifies every candidate against the index entries. No candidates means nothing to check: `match`. */
export function checkPlatforms(candidates: readonly Platform[], available: readonly Platform[]): PlatformCheck {
  const entries = available.filter((entry) => !isAttestationPlatform(entry)).map(normalizePlatform);
  const matched: Platform[] = [];
  const fallbackOnly: Platform[] = [];
  const unmatched: Platform[] = [];
  for (const candidate of candidates) {
    const normalized = normalizePlatform(candidate);
    const variantGiven = (candidate.variant ?? '') !== '';
    let best: Fit = 'none';
    for (const entry of entries) {
      const fit = fitOf(normalized, variantGiven, entry);
      if (fit === 'match') {
        best = fit;
        break;
      }
      if (fit === 'fallback') best = fit;
    }
    if (best === 'match') matched.push(normalized);
    else if (best === 'fallback') fallbackOnly.push(normalized);
    else unmatched.push(normalized);
  }
  const match: PlatformMatch =
    candidates.length === 0 || matched.length > 0 ? 'match' : fallbackOnly.length > 0 ? 'fallback-only' : 'none';
  return { match, matched, fallbackOnly, unmatched };
}

type Fit = 'match' | 'fallback' | 'none';

/** How well one index entry serves one node platform (both normalized). */
function fitOf(node: Platform, variantGiven: boolean, entry: Platform): Fit {
  if (node.os !== entry.os) return 'none';
  if (node.os === 'windows' && !isWindowsVersionCompatible(node.osVersion, entry.osVersion)) return 'none';
  const nodeVariant = node.variant ?? '';
  const entryVariant = entry.variant ?? '';
  if (node.architecture === entry.architecture) {
    if (nodeVariant === entryVariant) return 'match';
    if (isLowerOrEqualVariant(node.architecture, nodeVariant, entryVariant)) return 'fallback';
    // The node's CPU level is unknown when the candidate names none: it may or may not run this variant.
    return variantGiven ? 'none' : 'fallback';
  }
  switch (node.architecture) {
    case 'amd64':
      return entry.architecture === '386' ? 'fallback' : 'none';
    case 'arm64':
      // containerd's vector for arm64 ends with arm/v8 … arm/v5.
      return entry.architecture === 'arm' && isLowerOrEqualVariant('arm', 'v8', entryVariant) ? 'fallback' : 'none';
    default:
      return 'none';
  }
}

/** Whether an image built for `entryVariant` runs on a CPU of `nodeVariant` (same architecture, normalized). */
function isLowerOrEqualVariant(architecture: string, nodeVariant: string, entryVariant: string): boolean {
  switch (architecture) {
    case 'amd64': {
      const node = levelOf(nodeVariant, 1);
      const entry = levelOf(entryVariant, 1);
      return node !== undefined && entry !== undefined && entry[0] <= node[0];
    }
    case 'arm': {
      const node = levelOf(nodeVariant, 7);
      const entry = levelOf(entryVariant, 7);
      return node !== undefined && entry !== undefined && entry[0] >= 5 && entry[0] <= node[0];
    }
    case 'arm64':
      return isArm64Compatible(nodeVariant, entryVariant);
    default:
      return false;
  }
}

/** arm64 v8.x runs v8.0…v8.x; v9.x runs v9.0…v9.x and v8.0…v8.(x+5) (Armv9.N carries the Armv8.(N+5) baseline). */
function isArm64Compatible(nodeVariant: string, entryVariant: string): boolean {
  const node = levelOf(nodeVariant, 8);
  const entry = levelOf(entryVariant, 8);
  if (node === undefined || entry === undefined) return false;
  const [nodeMajor, nodeMinor] = node;
  const [entryMajor, entryMinor] = entry;
  if (entryMajor === nodeMajor) return entryMinor <= nodeMinor;
  if (nodeMajor === 9 && entryMajor === 8) return entryMinor <= Math.min(nodeMinor + 5, 9);
  return false;
}

/** `v3` → [3, 0], `v8.2` → [8, 2], `` → [floor, 0]; anything else → undefined. */
function levelOf(variant: string, floor: number): readonly [number, number] | undefined {
  if (variant === '') return [floor, 0];
  const match = /^v([0-9]{1,3})(?:\.([0-9]{1,3}))?$/.exec(variant);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2] ?? '0')];
}

// Windows Server 2022: from this build on, a host runs container images of any build from here up to its own.
const windowsStableAbiBuild = 20348;

/**
 * Windows host/image compatibility (containerd's rule), applied only when both sides give a parseable
 * `major.minor.build[.revision]`: same major.minor, and the same build before Server 2022.
 */
function isWindowsVersionCompatible(host: string | undefined, image: string | undefined): boolean {
  const hostVersion = windowsVersionOf(host);
  const imageVersion = windowsVersionOf(image);
  if (hostVersion === undefined || imageVersion === undefined) return true;
  const [hostMajor, hostMinor, hostBuild] = hostVersion;
  const [imageMajor, imageMinor, imageBuild] = imageVersion;
  if (hostMajor !== imageMajor || hostMinor !== imageMinor) return false;
  if (hostBuild < windowsStableAbiBuild) return imageBuild === hostBuild;
  return imageBuild >= windowsStableAbiBuild && imageBuild <= hostBuild;
}

function windowsVersionOf(version: string | undefined): [number, number, number] | undefined {
  if (version === undefined) return undefined;
  const match = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,5})(?:\.|$)/.exec(version);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}
