/**
 * JSON Patch (RFC 6902) for the mutating webhook, Pods only (never templates: GitOps tools would see drift).
 * - `annotate`: `pullguard.dev/resolved` = JSON `{ "<container>": "sha256:…", "volume/<name>": "sha256:…" }`,
 *   merged with what an earlier review of the same Pod recorded;
 * - `pin`: the same, and each resolved image that is not pinned yet becomes `<image as written>@<digest>` (with
 *   `:latest` spelled out when the tag was implicit), so the tag stays readable;
 * - the verdict of an admitted controller-owned Pod, when given, as `pullguard.dev/verdict`.
 * Each image replacement is preceded by a `test` of the old value, so a patch never lands on another image.
 */
import type { ImageFinding } from './findings.ts';
import { isJsonObject, type JsonObject, readPath } from './json-shape.ts';
import { RESOLVED_ANNOTATION, VERDICT_ANNOTATION } from './keys.ts';
import { formatPointer } from './pod-specs.ts';
import type { JsonPatchOperation } from './response.ts';
import { encodeVerdict, type PodVerdict } from './verdict.ts';

export type Mutation = 'annotate' | 'pin';

export interface PodPatchInput {
  /** The Pod as admitted (request.object). */
  readonly pod: JsonObject;
  readonly findings: readonly ImageFinding[];
  readonly mutation: Mutation;
  readonly verdict?: PodVerdict | undefined;
}

const digestPattern = /^(sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/;

export function buildPodPatch(input: PodPatchInput): JsonPatchOperation[] {
  const annotations: Record<string, string> = {};
  const resolved = resolvedDigests(input.pod, input.findings);
  if (resolved !== undefined) annotations[RESOLVED_ANNOTATION] = resolved;
  if (input.verdict !== undefined) annotations[VERDICT_ANNOTATION] = encodeVerdict(input.verdict);

  const operations = annotationOperations(input.pod, annotations);
  if (input.mutation === 'pin') operations.push(...pinOperations(input.findings));
  return operations;
}

/** The new value of the resolved annotation, or undefined when nothing new was resolved. */
function resolvedDigests(pod: JsonObject, findings: readonly ImageFinding[]): string | undefined {
  const fresh: Record<string, string> = {};
  for (const finding of findings) {
    const digest = usableDigest(finding);
    if (digest === undefined || finding.entry.name === '' || finding.entry.spec.isTemplate) continue;
    const key = finding.entry.source === 'imageVolume' ? `volume/${finding.entry.name}` : finding.entry.name;
    fresh[key] = digest;
  }
  if (Object.keys(fresh).length === 0) return undefined;
  return JSON.stringify({ ...readResolved(pod), ...fresh });
}

/** An earlier value of the annotation, when it is a JSON object of strings; else nothing to keep. */
function readResolved(pod: JsonObject): Record<string, string> {
  const text = readPath(pod, ['metadata', 'annotations', RESOLVED_ANNOTATION]);
  if (typeof text !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isJsonObject(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((pair): pair is [string, string] => typeof pair[1] === 'string'),
    );
  } catch {
    return {};
  }
}

function annotationOperations(pod: JsonObject, annotations: Readonly<Record<string, string>>): JsonPatchOperation[] {
  if (Object.keys(annotations).length === 0) return [];
  if (!isJsonObject(pod.metadata)) return [{ op: 'add', path: '/metadata', value: { annotations } }];
  if (!isJsonObject(pod.metadata.annotations)) {
    return [{ op: 'add', path: '/metadata/annotations', value: annotations }];
  }
  return Object.entries(annotations).map(([key, value]) => ({
    op: 'add',
    path: formatPointer(['metadata', 'annotations', key]),
    value,
  }));
}

function pinOperations(findings: readonly ImageFinding[]): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  for (const finding of findings) {
    const digest = usableDigest(finding);
    const reference = finding.reference;
    if (digest === undefined || reference === undefined || reference.digest !== null) continue;
    if (finding.entry.spec.isTemplate) continue;
    const pinned = `${finding.entry.image}${reference.tag === null ? ':latest' : ''}@${digest}`;
    operations.push(
      { op: 'test', path: finding.entry.pointer, value: finding.entry.image },
      { op: 'replace', path: finding.entry.pointer, value: pinned },
    );
  }
  return operations;
}

function usableDigest(finding: ImageFinding): string | undefined {
  if (finding.outcome !== 'present' || finding.entry.state !== 'set') return undefined;
  const digest = finding.digest;
  return digest !== undefined && digestPattern.test(digest) ? digest : undefined;
}
