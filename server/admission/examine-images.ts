/**
 * Turns the image fields of one pod spec into findings: exemptions, placeholders and `Never` first (no I/O), then
 * the parse, then the Pod's keyring, then every remaining distinct image resolved concurrently under the review's
 * one deadline. Whatever is unfinished at the deadline is `unreachable`; nothing here throws for an image.
 */
import { type ImageReference, tryParseReference } from '../reference/index.ts';
import { OUTCOMES, type Outcome, type Platform } from '../registry/types.ts';
import type { ExemptionMatcher } from './exemptions.ts';
import type { ImageFinding, PullSecretProblem } from './findings.ts';
import { quoteImage, sanitizeDetail } from './message-text.ts';
import { selectCandidatePlatforms } from './platforms.ts';
import type { ImageEntry, PodSpecInfo } from './pod-specs.ts';
import type { CredentialSource, ImageResolution, ImageResolver, PodKeyringResult, ResolveRequest } from './ports.ts';
import { settleBefore } from './settle.ts';

export interface ExamineInput<C> {
  readonly spec: PodSpecInfo;
  readonly entries: readonly ImageEntry[];
  /** The request's namespace (credentials are read from it). */
  readonly namespace: string;
  readonly resolver: ImageResolver<C>;
  readonly credentials: CredentialSource<C>;
  readonly exemptions: ExemptionMatcher;
  readonly clusterPlatforms: readonly Platform[];
  /** Aborted at the review's deadline. */
  readonly signal: AbortSignal;
  /** How long the deadline was, for messages. */
  readonly deadlineMs: number;
}

export interface Examination {
  /** One per entry, in entry order. */
  readonly findings: readonly ImageFinding[];
  readonly pullSecretProblems: readonly PullSecretProblem[];
}

interface Pending {
  readonly index: number;
  readonly entry: ImageEntry;
  readonly reference: ImageReference;
}

export async function examineImages<C>(input: ExamineInput<C>): Promise<Examination> {
  const { findings, pending } = sortEntries(input);
  if (pending.length === 0) return { findings, pullSecretProblems: [] };

  const settle = (outcome: Outcome, detail: string) => {
    for (const item of pending) findings[item.index] = makeFinding(item.entry, outcome, detail, item.reference);
  };
  const keyringResult = await settleBefore(readKeyring(input), input.signal);
  if (keyringResult.state === 'aborted') {
    settle('unreachable', `pull secrets not read within the review deadline (${input.deadlineMs} ms)`);
    return { findings, pullSecretProblems: [] };
  }
  if (keyringResult.state === 'failed') throw keyringResult.error;
  const keyring = keyringResult.value;
  if (!keyring.ok) {
    settle('skipped', 'not resolved: the pull secrets cannot be decoded');
    const problem = { fieldPath: `${input.spec.fieldPath}.imagePullSecrets`, message: keyring.error.message };
    return { findings, pullSecretProblems: [problem] };
  }

  const platforms = selectCandidatePlatforms(input.spec.platformConstraints, input.clusterPlatforms);
  const byImage = new Map<string, Promise<ImageResolution>>();
  await Promise.all(
    pending.map(async (item) => {
      let resolution = byImage.get(item.entry.image);
      if (resolution === undefined) {
        resolution = resolveBefore(input, item, keyring.keyring.lookup(item.reference.name), platforms);
        byImage.set(item.entry.image, resolution);
      }
      findings[item.index] = resolvedFinding(item, await resolution, platforms);
    }),
  );
  return { findings, pullSecretProblems: [] };
}

/**
 * examineImages without waiting: the examination when the pull secrets read synchronously and the resolver has a
 * cached answer for every image to resolve, else undefined (then examineImages does the work, under a deadline).
 */
export function examineFromCache<C>(input: Omit<ExamineInput<C>, 'signal'>): Examination | undefined {
  const { findings, pending } = sortEntries(input);
  if (pending.length === 0) return { findings, pullSecretProblems: [] };
  const { resolver } = input;
  if (resolver.peek === undefined) return undefined;
  const keyring = readKeyring(input);
  if (keyring instanceof Promise || !keyring.ok) return undefined;
  const platforms = selectCandidatePlatforms(input.spec.platformConstraints, input.clusterPlatforms);
  for (const item of pending) {
    const request = {
      image: item.entry.image,
      credentials: keyring.keyring.lookup(item.reference.name),
      ...(platforms === undefined ? {} : { platforms }),
    };
    const answer = peekSafely(resolver, request);
    if (answer === undefined) return undefined;
    findings[item.index] = resolvedFinding(item, normalizeResolution(answer, item.reference.domain), platforms);
  }
  return { findings, pullSecretProblems: [] };
}

/** A peek that throws is a miss: examineImages then asks `resolve`, which handles failures per image. */
function peekSafely<C>(
  resolver: ImageResolver<C>,
  request: Omit<ResolveRequest<C>, 'signal'>,
): ImageResolution | undefined {
  try {
    return resolver.peek?.(request);
  } catch {
    return undefined;
  }
}

/** Findings for what needs no network; the rest, parsed, to resolve. */
function sortEntries(input: Pick<ExamineInput<unknown>, 'entries' | 'exemptions'>): {
  findings: ImageFinding[];
  pending: Pending[];
} {
  const findings: ImageFinding[] = [];
  const pending: Pending[] = [];
  input.entries.forEach((entry, index) => {
    const early = examineWithoutNetwork(entry, input.exemptions);
    if ('outcome' in early) findings[index] = early;
    else pending.push({ index, entry, reference: early.reference });
  });
  return { findings, pending };
}

function resolvedFinding(
  item: Pending,
  answer: ImageResolution,
  platforms: readonly Platform[] | undefined,
): ImageFinding {
  return {
    ...makeFinding(item.entry, answer.outcome, answer.detail, item.reference),
    registry: answer.registry,
    digest: answer.digest,
    platforms,
    warnings: answer.warnings,
  };
}

/** A finding when no network is needed, else the parsed reference to resolve. */
function examineWithoutNetwork(
  entry: ImageEntry,
  exemptions: ExemptionMatcher,
): ImageFinding | { reference: ImageReference } {
  if (entry.state === 'unset') return makeFinding(entry, 'skipped', 'no image set in the template', undefined);
  if (entry.state === 'malformed') return makeFinding(entry, 'invalid', entry.problem, undefined);
  const parsed = tryParseReference(entry.image);
  const reference = parsed.ok ? parsed.reference : undefined;
  const pattern = exemptions.match(entry.image, reference);
  if (pattern !== undefined)
    return makeFinding(entry, 'skipped', `exempt by pattern ${quoteImage(pattern)}`, reference);
  if (!parsed.ok) return makeFinding(entry, 'invalid', parsed.error.detail, undefined);
  if (entry.pullPolicy === 'Never') {
    return makeFinding(entry, 'skipped', 'imagePullPolicy is Never: the kubelet never pulls it', parsed.reference);
  }
  return { reference: parsed.reference };
}

function readKeyring<C>(
  input: Pick<ExamineInput<C>, 'spec' | 'namespace' | 'credentials'>,
): PodKeyringResult<C> | Promise<PodKeyringResult<C>> {
  const { spec } = input;
  return input.credentials.forPod({
    namespace: input.namespace,
    pullSecretNames: spec.pullSecretNames,
    serviceAccountName: spec.serviceAccountName ?? 'default',
    includeServiceAccountSecrets: spec.isTemplate && !spec.listsPullSecrets,
  });
}

async function resolveBefore<C>(
  input: ExamineInput<C>,
  item: Pending,
  credentials: readonly C[],
  platforms: readonly Platform[] | undefined,
): Promise<ImageResolution> {
  const request = {
    image: item.entry.image,
    credentials,
    signal: input.signal,
    ...(platforms === undefined ? {} : { platforms }),
  };
  const settled = await settleBefore(
    // A resolver that throws synchronously is handled like one that rejects.
    Promise.resolve().then(() => input.resolver.resolve(request)),
    input.signal,
  );
  const host = item.reference.domain;
  if (settled.state === 'aborted') {
    return unreachable(host, `not resolved within the review deadline (${input.deadlineMs} ms)`);
  }
  if (settled.state === 'failed') {
    const message = settled.error instanceof Error ? settled.error.message : String(settled.error);
    return unreachable(host, `resolver failed: ${sanitizeDetail(message, 200)}`);
  }
  return normalizeResolution(settled.value, host);
}

/** The resolver is trusted to be well-typed, but its answer ends up in responses: check it anyway. */
function normalizeResolution(value: ImageResolution, host: string): ImageResolution {
  if (typeof value !== 'object' || value === null || !OUTCOMES.includes(value.outcome)) {
    return unreachable(host, 'the resolver gave no usable answer');
  }
  return {
    outcome: value.outcome,
    digest: typeof value.digest === 'string' ? value.digest : undefined,
    registry: typeof value.registry === 'string' ? value.registry : host,
    detail: typeof value.detail === 'string' ? value.detail : '',
    warnings: Array.isArray(value.warnings)
      ? value.warnings.filter((warning): warning is string => typeof warning === 'string')
      : [],
  };
}

function unreachable(registry: string, detail: string): ImageResolution {
  return { outcome: 'unreachable', registry, detail, warnings: [] };
}

function makeFinding(
  entry: ImageEntry,
  outcome: Outcome,
  detail: string,
  reference: ImageReference | undefined,
): ImageFinding {
  return {
    entry,
    outcome,
    detail,
    registry: reference?.domain ?? '',
    reference,
    digest: undefined,
    platforms: undefined,
    warnings: [],
  };
}
