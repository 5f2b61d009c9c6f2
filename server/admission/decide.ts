/**
 * The admission decision (DESIGN.md §3's outcome table), pure: findings + mode + policy → allowed, denial message,
 * warnings, audit annotations and the verdict to record. No I/O, no clock.
 *
 * | outcome            | enforce                               | warn    | audit    |
 * |--------------------|---------------------------------------|---------|----------|
 * | present, skipped   | allow                                 | allow   | allow    |
 * | absent             | deny (IfNotPresent: `ifNotPresentAbsent`) | warning | annotate |
 * | invalid            | deny                                  | warning | annotate |
 * | platform-missing   | deny                                  | warning | annotate |
 * | unauthorized       | `unauthorized` (default warning)      | warning | annotate |
 * | unreachable        | `unreachable` (default allow+warning) | warning | annotate |
 * | undecodable pull secret (every pull of the Pod fails) | deny | warning | annotate |
 * | more images than `maxImagesPerReview` | deny         | warning | annotate |
 *
 * Why `ifNotPresentAbsent` defaults to `deny`: REGISTRY.md §1.7 notes that a node holding a cached copy runs an
 * `IfNotPresent` image the registry no longer has. But every tagged image other than `:latest` defaults to
 * `IfNotPresent`, so admitting those would let most typos through, and a cached copy only helps on the nodes that
 * have it: the scheduler does not know, and on any other node the kubelet fails the pull. `warn` is there for
 * clusters that pre-load images.
 *
 * Controller-owned Pods (`ownedPods: fail`, the default). Denying a Pod that a ReplicaSet or Job creates makes the
 * controller retry `FailedCreate` forever, while a failed Pod feeds the Job's own failure handling; the workload's
 * template was already checked when it was applied. So in enforce mode such a Pod is admitted with a warning
 * instead of denied, and when the failure is certain (absent, invalid, platform-missing, an undecodable pull secret)
 * the decision carries a `verdict`. A validating webhook cannot change the object, so:
 * - the validating answer is `allowed` plus warnings, with the verdict as an audit annotation (`verdict`);
 * - the mutating webhook (when enabled for the namespace) writes the verdict to the Pod as the annotation
 *   `pullguard.dev/verdict`, and the stuck-pull controller fails such a Pod at once;
 * - without the mutating webhook, the controller still fails the Pod from the kubelet's own pull failures after
 *   `imagePullAttempts`.
 * Uncertain problems (unauthorized, unreachable, too many images) never produce a verdict.
 */
import type { Outcome } from '../registry/types.ts';
import { formatLine, formatNote, formatWarning } from './decision-text.ts';
import type { ImageFinding, ImageOverflow, PullSecretProblem } from './findings.ts';
import { AUDIT_IMAGES_KEY, AUDIT_VERDICT_KEY } from './keys.ts';
import { escapeWithin, truncateEnd } from './message-text.ts';
import { encodeVerdict, type PodVerdict, type VerdictOutcome } from './verdict.ts';

export type AdmissionMode = 'enforce' | 'warn' | 'audit';
export const ADMISSION_MODES: readonly AdmissionMode[] = ['enforce', 'warn', 'audit'];

export interface RegistryPolicy {
  /** `absent`: a refusal from this registry means "not found" (Docker Hub answers 401 for missing repositories). */
  readonly unauthorizedAs: 'unauthorized' | 'absent';
}

export interface AdmissionPolicy {
  /** Enforce mode: every credential (or anonymous) refused. */
  readonly unauthorized: 'warn' | 'deny';
  /** Enforce mode: timeout, DNS, TLS, 5xx, 429, garbage. `allow` admits with a warning. */
  readonly unreachable: 'allow' | 'deny';
  /** Enforce mode: a controller-owned Pod that cannot be pulled. */
  readonly ownedPods: 'fail' | 'deny';
  /** An `absent` image with `imagePullPolicy: IfNotPresent` (see the comment at the top). */
  readonly ifNotPresentAbsent: 'deny' | 'warn';
  /** Glob patterns of images never checked (see exemptions.ts). */
  readonly exemptImages: readonly string[];
  /** Per registry host (as in the image, e.g. `docker.io`, or as the resolver names it). */
  readonly registries: Readonly<Record<string, RegistryPolicy>>;
}

export const DEFAULT_ADMISSION_POLICY: AdmissionPolicy = Object.freeze({
  unauthorized: 'warn',
  unreachable: 'allow',
  ownedPods: 'fail',
  ifNotPresentAbsent: 'deny',
  exemptImages: [],
  registries: {},
});

export interface DecisionInput {
  readonly mode: AdmissionMode;
  readonly policy: AdmissionPolicy;
  readonly findings: readonly ImageFinding[];
  readonly pullSecretProblems: readonly PullSecretProblem[];
  /** The object is a Pod with a controller ownerReference. */
  readonly isOwnedPod: boolean;
  /** Set when the review named more images than are examined; `findings` are then empty. */
  readonly overflow?: ImageOverflow | undefined;
}

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

export interface Decision {
  readonly allowed: boolean;
  /** The denial message ('' when allowed): one line per denied field, joined with '; '. */
  readonly message: string;
  readonly warnings: readonly string[];
  readonly auditAnnotations: Readonly<Record<string, string>>;
  /** What to record on an admitted controller-owned Pod (the mutating path writes it); see the top comment. */
  readonly verdict: PodVerdict | undefined;
  readonly problems: readonly Problem[];
}

const MAX_MESSAGE_LINES = 20;
const MAX_WARNINGS = 12;
const MAX_AUDIT_FINDINGS = 10;
const dockerHubHint = 'Docker Hub answers 401 for repositories that do not exist';

export function decideAdmission(input: DecisionInput): Decision {
  const { mode, policy } = input;
  const problems: Problem[] = [];
  if (input.overflow !== undefined) problems.push(judgeOverflow(input.overflow));
  for (const problem of input.pullSecretProblems) problems.push(judgePullSecret(problem));
  for (const finding of input.findings) {
    const problem = judgeFinding(finding, policy);
    if (problem !== undefined) problems.push(problem);
  }
  const notes = resolverNotes(input.findings);

  if (mode === 'audit') {
    return {
      allowed: true,
      message: '',
      warnings: [],
      auditAnnotations: problems.length === 0 ? {} : { [AUDIT_IMAGES_KEY]: summarizeForAudit(problems) },
      verdict: undefined,
      problems,
    };
  }
  if (mode === 'warn') {
    return {
      allowed: true,
      message: '',
      warnings: capWarnings([...warningsFor(problems), ...notes]),
      auditAnnotations: {},
      verdict: undefined,
      problems,
    };
  }

  const denying = problems.filter((problem) => problem.enforce === 'deny');
  const warnOnly = problems.filter((problem) => problem.enforce === 'warn');
  if (denying.length > 0 && input.isOwnedPod && policy.ownedPods === 'fail') {
    const verdict = denying.find((problem) => problem.verdict !== undefined)?.verdict;
    const admittedNote = formatNote(
      verdict === undefined
        ? 'controller-owned Pod admitted (ownedPods: fail)'
        : 'controller-owned Pod admitted (ownedPods: fail): pullguard will fail it',
    );
    return {
      allowed: true,
      message: '',
      warnings: capWarnings([...warningsFor(denying), admittedNote, ...warningsFor(warnOnly), ...notes]),
      auditAnnotations: verdict === undefined ? {} : { [AUDIT_VERDICT_KEY]: encodeVerdict(verdict) },
      verdict,
      problems,
    };
  }
  return {
    allowed: denying.length === 0,
    message: joinLines(denying.map((problem) => problem.line)),
    warnings: capWarnings([...warningsFor(warnOnly), ...notes]),
    auditAnnotations: {},
    verdict: undefined,
    problems,
  };
}

/** The problem of one finding under the policy, or undefined when there is none (present, skipped). */
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
        ? dockerHubHint
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

function judgePullSecret(problem: PullSecretProblem): Problem {
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

function judgeOverflow(overflow: ImageOverflow): Problem {
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
function resolverNotes(findings: readonly ImageFinding[]): string[] {
  return findings.flatMap((finding) =>
    finding.warnings.map((warning) => formatNote(`${finding.entry.fieldPath}: ${warning}`)),
  );
}

/** The warnings for problems shown as warnings, plus the Docker Hub hint once when a Hub refusal is among them. */
function warningsFor(shown: readonly Problem[]): string[] {
  const warnings = shown.map((problem) => problem.warning);
  if (shown.some((problem) => problem.kind === 'unauthorized' && problem.isDockerHub)) {
    warnings.push(formatNote(dockerHubHint));
  }
  return warnings;
}

function capWarnings(warnings: readonly string[]): string[] {
  const unique = [...new Set(warnings)];
  if (unique.length <= MAX_WARNINGS) return unique;
  const kept = unique.slice(0, MAX_WARNINGS - 1);
  kept.push(`... and ${unique.length - kept.length} more warnings`);
  return kept;
}

function joinLines(lines: readonly string[]): string {
  if (lines.length <= MAX_MESSAGE_LINES) return lines.join('; ');
  const kept = lines.slice(0, MAX_MESSAGE_LINES);
  return `${kept.join('; ')}; and ${lines.length - kept.length} more`;
}

/** `{"count":N,"findings":[{"field","image","outcome","detail"}…]}`: short, for the audit log. */
function summarizeForAudit(problems: readonly Problem[]): string {
  return JSON.stringify({
    count: problems.length,
    findings: problems.slice(0, MAX_AUDIT_FINDINGS).map((problem) => ({
      field: escapeWithin(problem.fieldPath, 100),
      image: escapeWithin(problem.image, 100),
      outcome: problem.kind,
      detail: truncateEnd(problem.warning, 120),
    })),
  });
}

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
