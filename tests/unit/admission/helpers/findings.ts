/** Building ImageEntry and ImageFinding values directly, for the pure decision and patch tests. */
import type { ImageFinding } from '../../../../server/admission/findings.ts';
import { NO_PLATFORM_CONSTRAINTS } from '../../../../server/admission/platforms.ts';
import type { ImageEntry, PodSpecInfo } from '../../../../server/admission/pod-specs.ts';
import { tryParseReference } from '../../../../server/reference/index.ts';
import type { Outcome } from '../../../../server/registry/types.ts';

export const podSpecInfo: PodSpecInfo = {
  fieldPath: 'spec',
  isTemplate: false,
  pullSecretNames: [],
  listsPullSecrets: false,
  serviceAccountName: undefined,
  platformConstraints: NO_PLATFORM_CONSTRAINTS,
};

export function makeEntry(overrides: Partial<ImageEntry> = {}): ImageEntry {
  return {
    fieldPath: 'spec.containers[0].image',
    pointer: '/spec/containers/0/image',
    source: 'container',
    name: 'api',
    state: 'set',
    image: 'ghcr.io/acme/api:v1.2',
    problem: '',
    pullPolicy: 'IfNotPresent',
    spec: podSpecInfo,
    ...overrides,
  };
}

export function makeFinding(
  outcome: Outcome,
  overrides: Partial<ImageFinding> = {},
  entry: Partial<ImageEntry> = {},
): ImageFinding {
  const made = makeEntry(entry);
  const parsed = made.state === 'set' ? tryParseReference(made.image) : undefined;
  const reference = parsed?.ok === true ? parsed.reference : undefined;
  const registry = reference?.domain ?? '';
  const details: Record<Outcome, string> = {
    present: `${registry} answered 200`,
    absent: `${registry} answered 404 MANIFEST_UNKNOWN`,
    invalid: 'invalid reference format',
    'platform-missing': 'the index lists linux/amd64 only',
    unauthorized: `${registry} answered 401 UNAUTHORIZED`,
    unreachable: `${registry} timed out after 3000 ms`,
    skipped: 'exempt',
  };
  return {
    entry: made,
    outcome,
    detail: details[outcome],
    registry,
    reference,
    digest: undefined,
    platforms: undefined,
    warnings: [],
    ...overrides,
  };
}
