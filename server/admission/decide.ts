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

import { formatNote } from './decision-text.ts';
import type { ImageFinding, ImageOverflow, PullSecretProblem } from './findings.ts';
import { DOCKER_HUB_HINT, judgeFinding, judgeOverflow, judgePullSecret, type Problem } from './judge.ts';
import { AUDIT_IMAGES_KEY, AUDIT_VERDICT_KEY } from './keys.ts';
import { escapeWithin, truncateEnd } from './message-text.ts';
import type { AdmissionMode, AdmissionPolicy } from './policy.ts';

// The policy types live in policy.ts; they are re-exported here because the decision is where callers look.
export {
  ADMISSION_MODES,
  type AdmissionMode,
  type AdmissionPolicy,
  DEFAULT_ADMISSION_POLICY,
  type RegistryPolicy,
} from './policy.ts';

import { encodeVerdict, type PodVerdict } from './verdict.ts';

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

function resolverNotes(findings: readonly ImageFinding[]): string[] {
  return findings.flatMap((finding) =>
    finding.warnings.map((warning) => formatNote(`${finding.entry.fieldPath}: ${warning}`)),
  );
}

/** The warnings for problems shown as warnings, plus the Docker Hub hint once when a Hub refusal is among them. */
function warningsFor(shown: readonly Problem[]): string[] {
  const warnings = shown.map((problem) => problem.warning);
  if (shown.some((problem) => problem.kind === 'unauthorized' && problem.isDockerHub)) {
    warnings.push(formatNote(DOCKER_HUB_HINT));
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
