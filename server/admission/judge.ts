/**
 * One finding (or pull-secret problem, or overflow) judged under the policy: what enforce mode does with it, how
 * certain the failure is, and its wording. Pure. See decide.ts for the table and the reasons behind it.
 */
import type { Outcome } from '../registry/types.ts';
import { formatLine, formatNote, formatWarning } from './decision-text.ts';
import type { ImageFinding, ImageOverflow, PullSecretProblem } from './findings.ts';
import type { AdmissionPolicy, RegistryPolicy } from './policy.ts';
import type { PodVerdict, VerdictOutcome } from './verdict.ts';

export const DOCKER_HUB_HINT = 'Docker Hub answers 401 for repositories that do not exist';

export type ProblemKind = Exclude<Outcome, 'present' | 'skipped'> | 'pull-secret-invalid' | 'too-many-images';

/** One thing wrong, judged: what enforce mode does with it, how certain the failure is, and its wording. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly fieldPath: string;
  readonly image: string;
  /** The kubelet will certainly fail (may become a verdict). */
  readonly certain: boolean;
  /** What enforce mode does before the owned-Pod rule. */
  readonly enforce: 'deny' | 'warn';
  /** The denial line. */
  readonly line: string;
  /** The same in ≤ 120 characters. */
  readonly warning: string;
  readonly verdict: PodVerdict | undefined;
  /** A refusal by Docker Hub (which answers 401 for repositories that do not exist). */
  readonly isDockerHub: boolean;
}

export function judgeFinding(finding: ImageFinding, policy: AdmissionPolicy): Problem | undefined {
  const { entry } = finding;
  const field = { fieldPath: entry.fieldPath, image: entry.image };
  const make = (
    kind: ProblemKind,
    enforce: 'deny' | 'warn',
    phrases: { line: string; warning: string },
    detail: string,
    certain: boolean,
    lineDetail: string = detail,
  ): Problem => ({
    kind,
    fieldPath: entry.fieldPath,
    image: entry.image,
    certain,
    enforce,
    line: formatLine(field, phrases.line, lineDetail),
    warning: formatWarning(field, phrases.warning, detail),
    verdict:
      certain && isVerdictOutcome(kind)
        ? { outcome: kind, fieldPath: entry.fieldPath, container: entry.name, image: entry.image, reason: detail }
        : undefined,
    isDockerHub: isDockerHub(finding),
  });

  switch (finding.outcome) {
    case 'present':
    case 'skipped':
      return undefined;
    case 'invalid': {
      const detail = entry.state === 'malformed' ? entry.problem : finding.detail;
      return make('invalid', 'deny', { line: 'is not a valid image reference', warning: 'is invalid' }, detail, true);
    }
    case 'platform-missing': {
      const wanted = describePlatforms(finding);
      return make(
        'platform-missing',
        'deny',
        { line: `has no image for ${wanted}`, warning: `has no image for ${wanted}` },
        finding.detail,
        true,
      );
    }
    case 'absent':
      return judgeAbsent(finding, policy, finding.detail, make);
    case 'unauthorized': {
      if (registryPolicyOf(finding, policy)?.unauthorizedAs === 'absent') {
        return judgeAbsent(
          finding,
          policy,
          `${finding.detail} (a refusal counts as not found for this registry)`,
          make,
        );
      }
      const hint = isDockerHub(finding)
        ? DOCKER_HUB_HINT
        : 'the repository may not exist, or nodes may hold other credentials';
      return make(
        'unauthorized',
        policy.unauthorized === 'deny' ? 'deny' : 'warn',
        { line: `cannot be pulled with the Pod's credentials`, warning: 'unauthorized' },
        finding.detail,
        false,
        appendHint(finding.detail, hint),
      );
    }
    case 'unreachable':
      return make(
        'unreachable',
        policy.unreachable === 'deny' ? 'deny' : 'warn',
        { line: 'could not be checked', warning: 'not checked' },
        finding.detail,
        false,
      );
  }
}

type MakeProblem = (
  kind: ProblemKind,
  enforce: 'deny' | 'warn',
  phrases: { line: string; warning: string },
  detail: string,
  certain: boolean,
  lineDetail?: string,
) => Problem;

/** Always: the pull fails on every node. IfNotPresent: as configured (nodes with a cached copy would run it). */
function judgeAbsent(finding: ImageFinding, policy: AdmissionPolicy, detail: string, make: MakeProblem): Problem {
  const certain = finding.entry.pullPolicy === 'Always' || policy.ifNotPresentAbsent === 'deny';
  return make('absent', certain ? 'deny' : 'warn', { line: 'not found', warning: 'not found' }, detail, certain);
}

export function judgePullSecret(problem: PullSecretProblem): Problem {
  const detail = `${problem.message}; the kubelet would fail every image pull of this Pod`;
  const field = { fieldPath: problem.fieldPath, image: '' };
  return {
    kind: 'pull-secret-invalid',
    fieldPath: problem.fieldPath,
    image: '',
    certain: true,
    enforce: 'deny',
    line: formatLine(field, 'cannot be used', detail),
    warning: formatWarning(field, 'cannot be used', problem.message),
    verdict: {
      outcome: 'pull-secret-invalid',
      fieldPath: problem.fieldPath,
      container: '',
      image: '',
      reason: problem.message,
    },
    isDockerHub: false,
  };
}

export function judgeOverflow(overflow: ImageOverflow): Problem {
  const text = `${overflow.total} image fields exceed pullguard's limit of ${overflow.limit} per review; none was checked`;
  return {
    kind: 'too-many-images',
    fieldPath: '',
    image: '',
    certain: false,
    enforce: 'deny',
    line: text,
    warning: formatNote(text),
    verdict: undefined,
    isDockerHub: false,
  };
}

/** Resolver facts about images (parser compatibility, fallback platforms), one warning each. */

function registryPolicyOf(finding: ImageFinding, policy: AdmissionPolicy): RegistryPolicy | undefined {
  const hosts = [finding.registry, finding.reference?.domain ?? ''];
  for (const host of hosts) {
    if (host !== '' && Object.hasOwn(policy.registries, host)) return policy.registries[host];
  }
  return undefined;
}

const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function isDockerHub(finding: ImageFinding): boolean {
  return dockerHubHosts.has(finding.reference?.domain ?? '') || dockerHubHosts.has(finding.registry);
}

function describePlatforms(finding: ImageFinding): string {
  const platforms = finding.platforms ?? [];
  if (platforms.length === 0) return "the Pod's platforms";
  const names = platforms.map((p) =>
    [p.os, p.architecture, p.variant].filter((part) => part !== undefined && part !== '').join('/'),
  );
  return names.length > 3 ? `${names.slice(0, 3).join(', ')}, ...` : names.join(', ');
}

function appendHint(detail: string, hint: string): string {
  return detail === '' ? hint : `${detail} (${hint})`;
}

function isVerdictOutcome(kind: ProblemKind): kind is VerdictOutcome {
  return kind === 'absent' || kind === 'invalid' || kind === 'platform-missing' || kind === 'pull-secret-invalid';
}
