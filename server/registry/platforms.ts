/** The platforms an image index lists (REGISTRY.md §7). Pure. */
import { isIndexMediaType } from './media-types.ts';
import type { Platform } from './types.ts';

/**
 * Entries of `manifests[].platform`, without attestation entries (`unknown/unknown`). Undefined when an entry has
 * no usable platform: containerd's platform filter keeps such entries for every platform, so no platform can be
 * said to be missing.
 */
export function listIndexPlatforms(index: unknown): Platform[] | undefined {
  if (typeof index !== 'object' || index === null) return [];
  const manifests = (index as { manifests?: unknown }).manifests;
  if (!Array.isArray(manifests)) return [];
  const platforms: Platform[] = [];
  for (const entry of manifests) {
    const platform =
      typeof entry === 'object' && entry !== null ? (entry as { platform?: unknown }).platform : undefined;
    if (typeof platform !== 'object' || platform === null) return undefined;
    const fields = platform as Record<string, unknown>;
    const { os, architecture, variant } = fields;
    const osVersion = fields['os.version'];
    if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
    if (os === 'unknown' && architecture === 'unknown') continue;
    platforms.push({
      os,
      architecture,
      ...(typeof variant === 'string' && variant !== '' ? { variant } : {}),
      ...(typeof osVersion === 'string' && osVersion !== '' ? { osVersion } : {}),
    });
  }
  return platforms;
}

/** An index by its body when no Content-Type said so: a `manifests` array, or the media type field. */
export function looksLikeIndex(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { manifests, mediaType } = body as { manifests?: unknown; mediaType?: unknown };
  return Array.isArray(manifests) || (typeof mediaType === 'string' && isIndexMediaType(mediaType));
}
