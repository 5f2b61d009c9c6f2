/** The platforms an image index lists (REGISTRY.md §7). Pure. */
import { isIndexMediaType } from './media-types.ts';
import type { Platform } from './types.ts';

/** Entries of `manifests[].platform`, without attestation entries (`unknown/unknown`) and entries with no platform. */
export function listIndexPlatforms(index: unknown): Platform[] {
  if (typeof index !== 'object' || index === null) return [];
  const manifests = (index as { manifests?: unknown }).manifests;
  if (!Array.isArray(manifests)) return [];
  const platforms: Platform[] = [];
  for (const entry of manifests) {
    const platform =
      typeof entry === 'object' && entry !== null ? (entry as { platform?: unknown }).platform : undefined;
    if (typeof platform !== 'object' || platform === null) continue;
    const fields = platform as Record<string, unknown>;
    const { os, architecture, variant } = fields;
    const osVersion = fields['os.version'];
    if (typeof os !== 'string' || typeof architecture !== 'string') continue;
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
