/**
 * Candidate node platforms of a pod spec (REGISTRY.md §7): the configured cluster platforms that the spec's
 * `nodeSelector` and required node affinity on the well-known os/arch labels still allow. Pure.
 *
 * The result only ever narrows a platform check, so every doubt widens it: unknown operators (Gt, Lt) and odd
 * shapes constrain nothing, and when no candidate is left (the Pod could not be scheduled anyway, or pullguard's
 * list of platforms is incomplete) there is no platform check at all rather than a rejection.
 */
import type { Platform } from '../registry/types.ts';
import { isJsonObject, readPath } from './json-shape.ts';

type PlatformLabel = 'os' | 'arch';

const labelKeys: Readonly<Record<string, PlatformLabel>> = {
  'kubernetes.io/os': 'os',
  'kubernetes.io/arch': 'arch',
  'beta.kubernetes.io/os': 'os',
  'beta.kubernetes.io/arch': 'arch',
};

type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Other';

export interface PlatformRequirement {
  readonly label: PlatformLabel;
  readonly operator: Operator;
  readonly values: readonly string[];
}

export interface PlatformConstraints {
  /** nodeSelector entries on the os/arch labels (all must hold). */
  readonly selector: readonly PlatformRequirement[];
  /**
   * Required node affinity terms, ORed; each holds its os/arch requirements (ANDed). `undefined` when the spec has
   * no required node affinity. A term with no requirements on these labels allows every platform, except a term
   * that is empty altogether, which the API says matches no node.
   */
  readonly terms: readonly (readonly PlatformRequirement[] | null)[] | undefined;
}

export const NO_PLATFORM_CONSTRAINTS: PlatformConstraints = { selector: [], terms: undefined };

/** Reads `nodeSelector` and `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution` of a pod spec. */
export function readPlatformConstraints(podSpec: unknown): PlatformConstraints {
  const selector: PlatformRequirement[] = [];
  const nodeSelector = readPath(podSpec, ['nodeSelector']);
  if (isJsonObject(nodeSelector)) {
    for (const [key, value] of Object.entries(nodeSelector)) {
      const label = labelOf(key);
      if (label !== undefined && typeof value === 'string') selector.push({ label, operator: 'In', values: [value] });
    }
  }
  const rawTerms = readPath(podSpec, [
    'affinity',
    'nodeAffinity',
    'requiredDuringSchedulingIgnoredDuringExecution',
    'nodeSelectorTerms',
  ]);
  const terms = Array.isArray(rawTerms) && rawTerms.length > 0 ? rawTerms.map(readTerm) : undefined;
  return { selector, terms };
}

/**
 * The cluster platforms the constraints allow; undefined means "no platform check": none configured, or none left.
 */
export function selectCandidatePlatforms(
  constraints: PlatformConstraints,
  clusterPlatforms: readonly Platform[],
): readonly Platform[] | undefined {
  const candidates = clusterPlatforms.filter(
    (platform) =>
      constraints.selector.every((requirement) => isAllowed(requirement, platform)) &&
      (constraints.terms === undefined || constraints.terms.some((term) => isTermAllowing(term, platform))),
  );
  return candidates.length === 0 ? undefined : candidates;
}

/** `linux/arm64`, `linux/arm/v7` → Platform; undefined when not of that shape. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.split('/');
  const [os, architecture, variant] = parts;
  if (parts.length > 3 || os === undefined || os === '' || architecture === undefined || architecture === '') {
    return undefined;
  }
  if (variant === '') return undefined;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

function labelOf(key: string): PlatformLabel | undefined {
  return Object.hasOwn(labelKeys, key) ? labelKeys[key] : undefined;
}

/** null: the term is empty (matches no node). */
function readTerm(term: unknown): readonly PlatformRequirement[] | null {
  if (!isJsonObject(term)) return [];
  const expressions = term.matchExpressions;
  const fields = term.matchFields;
  const hasExpressions = Array.isArray(expressions) && expressions.length > 0;
  const hasFields = Array.isArray(fields) && fields.length > 0;
  if (!hasExpressions && !hasFields) return null;
  if (!hasExpressions) return [];
  const requirements: PlatformRequirement[] = [];
  for (const expression of expressions) {
    if (!isJsonObject(expression) || typeof expression.key !== 'string') continue;
    const label = labelOf(expression.key);
    if (label === undefined) continue;
    const values = Array.isArray(expression.values)
      ? expression.values.filter((value): value is string => typeof value === 'string')
      : [];
    requirements.push({ label, operator: readOperator(expression.operator), values });
  }
  return requirements;
}

function readOperator(value: unknown): Operator {
  return value === 'In' || value === 'NotIn' || value === 'Exists' || value === 'DoesNotExist' ? value : 'Other';
}

function isTermAllowing(term: readonly PlatformRequirement[] | null, platform: Platform): boolean {
  if (term === null) return false;
  return term.every((requirement) => isAllowed(requirement, platform));
}

function isAllowed(requirement: PlatformRequirement, platform: Platform): boolean {
  const actual = (requirement.label === 'os' ? platform.os : platform.architecture).toLowerCase();
  const listed = requirement.values.some((value) => value.toLowerCase() === actual);
  switch (requirement.operator) {
    case 'In':
      return listed;
    case 'NotIn':
      return !listed;
    case 'DoesNotExist':
      // Every node carries the well-known os/arch labels.
      return false;
    default:
      return true;
  }
}
