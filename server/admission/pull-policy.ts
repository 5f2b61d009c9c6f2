/** imagePullPolicy as the API server defaults it (`SetDefaults_Container`, REGISTRY.md §1.3). */
import { tryParseReference } from '../reference/index.ts';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

const PULL_POLICIES: readonly PullPolicy[] = ['Always', 'IfNotPresent', 'Never'];

export function isPullPolicy(value: unknown): value is PullPolicy {
  return PULL_POLICIES.some((policy) => policy === value);
}

/**
 * The policy as written, or the API's default when absent (or not one of the three, which the API would refuse):
 * `Always` when the tag is `latest` or there is neither tag nor digest (`:latest@digest` included), else
 * `IfNotPresent` — digest-only and unparsable images too.
 */
export function readPullPolicy(written: unknown, image: unknown): PullPolicy {
  if (isPullPolicy(written)) return written;
  return defaultPullPolicy(image);
}

export function defaultPullPolicy(image: unknown): PullPolicy {
  if (typeof image !== 'string') return 'IfNotPresent';
  const parsed = tryParseReference(image);
  if (!parsed.ok) return 'IfNotPresent';
  const { tag, digest } = parsed.reference;
  return tag === 'latest' || (tag === null && digest === null) ? 'Always' : 'IfNotPresent';
}
