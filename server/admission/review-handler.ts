/**
 * One AdmissionReview in, one AdmissionReview out (no HTTP here): decode → funnel → examine → decide → respond.
 * A body that does not decode throws ReviewDecodeError (the HTTP layer answers 400, with a review body when the
 * uid was readable, see decodeFailureReview). Once decoded, nothing escapes: any failure is an errored review (500)
 * carrying the request's uid.
 */
import type { Platform } from '../registry/types.ts';
import { type Decision, decideAdmission } from './decide.ts';
import { type AdmissionReviewRequest, decodeReview } from './decode-review.ts';
import { type Examination, type ExamineInput, examineFromCache, examineImages } from './examine-images.ts';
import { compileExemptions, type ExemptionMatcher } from './exemptions.ts';
import type { ImageFinding } from './findings.ts';
import { sanitizeDetail } from './message-text.ts';
import { isControllerOwned } from './object-meta.ts';
import { buildPodPatch, type Mutation } from './patch.ts';
import { collectImages } from './pod-specs.ts';
import type { AdmissionMode, AdmissionPolicy } from './policy.ts';
import type { CredentialSource, ImageResolver } from './ports.ts';
import {
  type AdmissionReviewResponseBody,
  allowed,
  complete,
  denied,
  errored,
  patched,
  type ResponseDraft,
  withAuditAnnotations,
  withWarnings,
} from './response.ts';
import { isPodKind } from './workload-kinds.ts';

/**
 * `validate`: the namespace's mode decides. `mutate`: annotate or pin Pods; with `mode: 'enforce'` the mutating
 * path also writes the verdict of an admitted controller-owned Pod (see decide.ts), which it cannot know otherwise.
 */
export type ReviewRoute =
  | { readonly kind: 'validate'; readonly mode: AdmissionMode }
  | { readonly kind: 'mutate'; readonly mutation: Mutation; readonly mode?: AdmissionMode | undefined };

/** The default cap on image fields examined per review (the config's `maxImagesPerReview`). */
export const DEFAULT_MAX_IMAGES_PER_REVIEW = 1000;

export interface ReviewDeps<C> {
  readonly resolver: ImageResolver<C>;
  readonly credentials: CredentialSource<C>;
  readonly policy: AdmissionPolicy;
  /** The nodes' os/arch; empty means no platform check. */
  readonly clusterPlatforms: readonly Platform[];
  /** Budget for all registry work of one review (at most ~70 % of the webhook's timeoutSeconds). */
  readonly deadlineMs: number;
  /** More image fields than this and none is resolved (see decide.ts); default 1000. */
  readonly maxImagesPerReview?: number | undefined;
  /** Compiled `policy.exemptImages`; compiled (once per policy object) when not given. */
  readonly exemptions?: ExemptionMatcher | undefined;
  /** Told about every decoded review, for logs and metrics. Must not throw; a throw is ignored. */
  readonly onReview?: ((record: ReviewRecord) => void) | undefined;
  /** Milliseconds, for durations only; performance.now by default. */
  readonly now?: (() => number) | undefined;
}

export interface ReviewRecord {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly kind: string;
  readonly operation: string;
  readonly subResource: string;
  readonly route: ReviewRoute;
  /** A dry run: decided like any other; whoever records metrics or events should not count it as an action. */
  readonly dryRun: boolean;
  /** `errored`: the review failed after decoding (the response is a 500 review). */
  readonly result: 'allowed' | 'denied' | 'errored';
  readonly findings: readonly { readonly fieldPath: string; readonly outcome: string; readonly registry: string }[];
  readonly error: unknown;
  readonly durationMs: number;
}

export interface HandleReviewOptions {
  /** Aborts the review's registry work early (e.g. the client went away). */
  readonly signal?: AbortSignal | undefined;
}

export async function handleReview<C>(
  body: unknown,
  deps: ReviewDeps<C>,
  route: ReviewRoute,
  options: HandleReviewOptions = {},
): Promise<AdmissionReviewResponseBody> {
  const review = decodeReview(body);
  const now = deps.now ?? (() => performance.now());
  const started = now();
  let answer: Answer;
  try {
    answer = await answerReview(review, deps, route, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    answer = {
      draft: errored(500, `pullguard could not review this request: ${sanitizeDetail(message, 300)}`),
      findings: [],
      failed: true,
      error,
    };
  }
  report(deps, review, route, answer, now() - started);
  return complete(answer.draft, { uid: review.request.uid, apiVersion: review.apiVersion });
}

interface Answer {
  readonly draft: ResponseDraft;
  readonly findings: readonly ImageFinding[];
  readonly failed?: boolean;
  readonly error?: unknown;
}

const exemptionCache = new WeakMap<AdmissionPolicy, ExemptionMatcher>();

async function answerReview<C>(
  review: AdmissionReviewRequest,
  deps: ReviewDeps<C>,
  route: ReviewRoute,
  options: HandleReviewOptions,
): Promise<Answer> {
  const { request } = review;
  const nothing: Answer = { draft: allowed(), findings: [] };
  if ((request.operation !== 'CREATE' && request.operation !== 'UPDATE') || request.object === null) return nothing;
  // Mutation is for Pods through the main resource only: never templates, and a subresource cannot take the patch.
  if (route.kind === 'mutate' && (!isPodKind(request.kind) || request.subResource !== '')) return nothing;

  const limit = deps.maxImagesPerReview ?? DEFAULT_MAX_IMAGES_PER_REVIEW;
  const collection = collectImages({
    kind: request.kind,
    subResource: request.subResource,
    object: request.object,
    oldObject: request.operation === 'UPDATE' ? request.oldObject : null,
    limit,
  });
  const spec = collection.spec;
  if (spec === undefined || collection.total === 0) return nothing;
  const isOwnedPod = isPodKind(request.kind) && request.subResource === '' && isControllerOwned(request.object);

  if (collection.total > limit) {
    if (route.kind === 'mutate') return nothing;
    const overflow = { total: collection.total, limit };
    const decision = decideAdmission({
      mode: route.mode,
      policy: deps.policy,
      findings: [],
      pullSecretProblems: [],
      isOwnedPod,
      overflow,
    });
    return { draft: draftFromDecision(decision), findings: [] };
  }

  const examine = {
    spec,
    entries: collection.entries,
    namespace: request.namespace,
    resolver: deps.resolver,
    credentials: deps.credentials,
    exemptions: deps.exemptions ?? exemptionsOf(deps.policy),
    clusterPlatforms: deps.clusterPlatforms,
    deadlineMs: deps.deadlineMs,
  };
  const { findings, pullSecretProblems } = examineFromCache(examine) ?? (await examineUnderDeadline(examine, options));

  if (route.kind === 'validate') {
    const decision = decideAdmission({
      mode: route.mode,
      policy: deps.policy,
      findings,
      pullSecretProblems,
      isOwnedPod,
    });
    return { draft: draftFromDecision(decision), findings };
  }
  const recordsVerdict = route.mode === 'enforce' && isOwnedPod && deps.policy.ownedPods === 'fail';
  const verdict = recordsVerdict
    ? decideAdmission({ mode: 'enforce', policy: deps.policy, findings, pullSecretProblems, isOwnedPod }).verdict
    : undefined;
  const operations = buildPodPatch({ pod: request.object, findings, mutation: route.mutation, verdict });
  return { draft: patched(operations), findings };
}

async function examineUnderDeadline<C>(
  input: Omit<ExamineInput<C>, 'signal'>,
  options: HandleReviewOptions,
): Promise<Examination> {
  // A timer of our own rather than AbortSignal.timeout: it keeps the process alive while a review waits (a CLI run
  // has no server socket to do that), and it is cleared as soon as the review is done.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error('review deadline reached')), Math.max(input.deadlineMs, 0));
  const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, options.signal]);
  try {
    return await examineImages({ ...input, signal });
  } finally {
    clearTimeout(timer);
  }
}

function draftFromDecision(decision: Decision): ResponseDraft {
  const base = decision.allowed ? allowed() : denied(decision.message);
  return withAuditAnnotations(withWarnings(base, decision.warnings), decision.auditAnnotations);
}

function exemptionsOf(policy: AdmissionPolicy): ExemptionMatcher {
  let matcher = exemptionCache.get(policy);
  if (matcher === undefined) {
    matcher = compileExemptions(policy.exemptImages);
    exemptionCache.set(policy, matcher);
  }
  return matcher;
}

function report<C>(
  deps: ReviewDeps<C>,
  review: AdmissionReviewRequest,
  route: ReviewRoute,
  answer: Answer,
  durationMs: number,
): void {
  if (deps.onReview === undefined) return;
  const { request } = review;
  const result = answer.failed === true ? 'errored' : answer.draft.allowed ? 'allowed' : 'denied';
  try {
    deps.onReview({
      uid: request.uid,
      namespace: request.namespace,
      name: request.name,
      kind: request.kind.kind,
      operation: request.operation,
      subResource: request.subResource,
      route,
      dryRun: request.dryRun,
      result,
      findings: answer.findings.map((finding) => ({
        fieldPath: finding.entry.fieldPath,
        outcome: finding.outcome,
        registry: finding.registry,
      })),
      error: answer.error,
      durationMs,
    });
  } catch {
    // An observer's failure must not change the answer.
  }
}
