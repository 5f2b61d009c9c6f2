/**
 * Turns a platform check into what a Resolution says: whether the index leaves every candidate node without an
 * image (platform-missing), and short warnings (kubectl truncates long ones) for fallbacks and uncovered nodes.
 */
import type { Platform } from '../registry/types.ts';
import { checkPlatforms, formatPlatform, isAttestationPlatform, normalizePlatform } from './platform-match.ts';

export interface PlatformVerdict {
  readonly missing: boolean;
  /** For `missing`: 'no linux/arm64 entry in the index (has linux/amd64, linux/s390x)'. */
  readonly detail: string;
  readonly warnings: readonly string[];
}

const listedEntriesMax = 6;

export function judgePlatforms(candidates: readonly Platform[], available: readonly Platform[]): PlatformVerdict {
  const check = checkPlatforms(candidates, available);
  const has = describeList(available.filter((entry) => !isAttestationPlatform(entry)).map(normalizePlatform));
  if (check.match === 'none') {
    return {
      missing: true,
      detail: `no ${describeAlternatives(check.unmatched)} entry in the index (has ${has})`,
      warnings: [],
    };
  }
  const warnings: string[] = [];
  if (check.fallbackOnly.length > 0) {
    warnings.push(
      `no exact ${describeAlternatives(check.fallbackOnly)} entry (has ${has}): only runtimes that fall back pull it`,
    );
  }
  if (check.unmatched.length > 0) {
    warnings.push(`no ${describeAlternatives(check.unmatched)} entry in the index: pulls fail on such nodes`);
  }
  return { missing: false, detail: '', warnings };
}

function describeAlternatives(platforms: readonly Platform[]): string {
  return unique(platforms.map(formatPlatform)).join(' or ');
}

function describeList(platforms: readonly Platform[]): string {
  const names = unique(platforms.map(formatPlatform));
  if (names.length === 0) return 'none';
  if (names.length <= listedEntriesMax) return names.join(', ');
  return `${names.slice(0, listedEntriesMax).join(', ')} and ${names.length - listedEntriesMax} more`;
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
