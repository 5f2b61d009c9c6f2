/**
 * The funnel (DESIGN.md §3, STYLE.md §6): any supported object → the image fields of its pod spec, each with its
 * field path, pull policy and the spec facts credentials and platforms depend on. One code path for every kind
 * and every list (containers, initContainers, ephemeralContainers, image volumes). Pure, and total: a hostile
 * shape becomes a `malformed` entry, never an exception.
 */
import type { GroupVersionKind } from './decode-review.ts';
import { describeJsonType, isJsonObject, type JsonObject, readPath } from './json-shape.ts';
import { type PlatformConstraints, readPlatformConstraints } from './platforms.ts';
import { type PullPolicy, readPullPolicy } from './pull-policy.ts';
import { isPodKind, locatePodSpec } from './workload-kinds.ts';

export type ImageSource = 'container' | 'initContainer' | 'ephemeralContainer' | 'imageVolume';

/**
 * `set`: a string to check. `unset`: a template leaves the image empty (allowed there, so that tools can fill it in
 * later; nothing to check). `malformed`: not a usable string where one is required (the kubelet could not pull it).
 */
export type ImageFieldState = 'set' | 'unset' | 'malformed';

export interface PodSpecInfo {
  /** Field path of the pod spec, e.g. `spec.template.spec`. */
  readonly fieldPath: string;
  readonly isTemplate: boolean;
  /** Non-empty `imagePullSecrets[].name`, in order (the kubelet skips empty names). */
  readonly pullSecretNames: readonly string[];
  /**
   * The spec lists imagePullSecrets (even only empty names): the ServiceAccount admission plugin then adds none of
   * the ServiceAccount's (REGISTRY.md §4.6).
   */
  readonly listsPullSecrets: boolean;
  /** `serviceAccountName` (or the deprecated `serviceAccount`); undefined when unset. */
  readonly serviceAccountName: string | undefined;
  readonly platformConstraints: PlatformConstraints;
}

export interface ImageEntry {
  /** e.g. `spec.template.spec.containers[0].image`, `spec.volumes[2].image.reference`. */
  readonly fieldPath: string;
  /** JSON pointer of the same field, e.g. `/spec/template/spec/containers/0/image`. */
  readonly pointer: string;
  readonly source: ImageSource;
  /** The container's or volume's name; '' when missing. */
  readonly name: string;
  readonly state: ImageFieldState;
  /** The image as written when `state` is `set`, else ''. */
  readonly image: string;
  /** Why the field is `malformed`, else ''. */
  readonly problem: string;
  /** As written, or defaulted as the API server would. */
  readonly pullPolicy: PullPolicy;
  readonly spec: PodSpecInfo;
}

export interface ImageCollection {
  /** The pod spec, or undefined when the kind carries none pullguard checks. */
  readonly spec: PodSpecInfo | undefined;
  /** At most `limit` entries, in document order. */
  readonly entries: readonly ImageEntry[];
  /** Every image field that counts (changed ones on UPDATE), also those past the limit. */
  readonly total: number;
}

export interface CollectImagesInput {
  readonly kind: GroupVersionKind;
  readonly subResource: string;
  readonly object: JsonObject;
  /** On UPDATE: only fields whose value differs from this object's (a new container counts). */
  readonly oldObject: JsonObject | null;
  readonly limit: number;
}

type Step = string | number;

interface ListShape {
  readonly key: string;
  readonly source: ImageSource;
  /** Path from a list item to its image field. */
  readonly image: readonly string[];
  /** Path from a list item to its pull policy. */
  readonly pullPolicy: readonly string[];
}

const containerLists: readonly ListShape[] = [
  { key: 'containers', source: 'container', image: ['image'], pullPolicy: ['imagePullPolicy'] },
  { key: 'initContainers', source: 'initContainer', image: ['image'], pullPolicy: ['imagePullPolicy'] },
  { key: 'ephemeralContainers', source: 'ephemeralContainer', image: ['image'], pullPolicy: ['imagePullPolicy'] },
];
const volumeList: ListShape = {
  key: 'volumes',
  source: 'imageVolume',
  image: ['image', 'reference'],
  pullPolicy: ['image', 'pullPolicy'],
};

export function collectImages(input: CollectImagesInput): ImageCollection {
  const location = locatePodSpec(input.kind);
  const isEphemeralUpdate = input.subResource === 'ephemeralcontainers';
  if (location === undefined || (input.subResource !== '' && !(isEphemeralUpdate && isPodKind(input.kind)))) {
    return { spec: undefined, entries: [], total: 0 };
  }
  const rawSpec = readPath(input.object, location.path);
  if (!isJsonObject(rawSpec)) return { spec: undefined, entries: [], total: 0 };

  const spec = readSpecInfo(rawSpec, location.path, location.isTemplate);
  const entries: ImageEntry[] = [];
  let total = 0;
  const lists = isEphemeralUpdate
    ? containerLists.filter((list) => list.source === 'ephemeralContainer')
    : [...containerLists, volumeList];
  for (const list of lists) {
    const items = rawSpec[list.key];
    if (!Array.isArray(items)) continue;
    for (let index = 0; index < items.length; index += 1) {
      const item: unknown = items[index];
      if (list.source === 'imageVolume' && !isImageVolume(item)) continue;
      const path: Step[] = [...location.path, list.key, index, ...list.image];
      if (input.oldObject !== null && !hasChanged(input.object, input.oldObject, path)) continue;
      total += 1;
      if (entries.length < input.limit) entries.push(readEntry(item, path, list, spec));
    }
  }
  return { spec, entries, total };
}

function readSpecInfo(rawSpec: JsonObject, path: readonly string[], isTemplate: boolean): PodSpecInfo {
  const secrets = rawSpec.imagePullSecrets;
  const pullSecretNames: string[] = [];
  if (Array.isArray(secrets)) {
    for (const secret of secrets) {
      if (isJsonObject(secret) && typeof secret.name === 'string' && secret.name !== '') {
        pullSecretNames.push(secret.name);
      }
    }
  }
  return {
    fieldPath: formatFieldPath(path),
    isTemplate,
    pullSecretNames,
    listsPullSecrets: Array.isArray(secrets) && secrets.length > 0,
    serviceAccountName: firstNonEmptyString(rawSpec.serviceAccountName, rawSpec.serviceAccount),
    platformConstraints: readPlatformConstraints(rawSpec),
  };
}

/** A volume is an image volume when it has an `image` member (any shape: a wrong one is reported, not skipped). */
function isImageVolume(item: unknown): boolean {
  return isJsonObject(item) && item.image !== undefined && item.image !== null;
}

function hasChanged(object: JsonObject, oldObject: JsonObject, path: readonly Step[]): boolean {
  return readPath(object, path) !== readPath(oldObject, path);
}

function readEntry(item: unknown, path: readonly Step[], list: ListShape, spec: PodSpecInfo): ImageEntry {
  const raw = readPath(item, list.image);
  const name = readPath(item, ['name']);
  const base = {
    fieldPath: formatFieldPath(path),
    pointer: formatPointer(path),
    source: list.source,
    name: typeof name === 'string' ? name : '',
    pullPolicy: readPullPolicy(readPath(item, list.pullPolicy), raw),
    spec,
  };
  const what = list.source === 'imageVolume' ? 'image volume' : 'container';
  if (!isJsonObject(item)) {
    return { ...base, state: 'malformed', image: '', problem: `${what} is not an object (${describeJsonType(item)})` };
  }
  if (list.source === 'imageVolume' && !isJsonObject(item.image)) {
    return { ...base, state: 'malformed', image: '', problem: `image volume source is not an object` };
  }
  if (typeof raw === 'string' && raw !== '') return { ...base, state: 'set', image: raw, problem: '' };
  if ((raw === undefined || raw === null || raw === '') && spec.isTemplate) {
    return { ...base, state: 'unset', image: '', problem: '' };
  }
  const problem =
    raw === undefined || raw === null || raw === ''
      ? 'image is required'
      : `image must be a string, not ${describeJsonType(raw)}`;
  return { ...base, state: 'malformed', image: '', problem };
}

function firstNonEmptyString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value !== '');
}

/** ['spec', 'containers', 0, 'image'] → `spec.containers[0].image`. */
export function formatFieldPath(path: readonly Step[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}

/** ['metadata', 'annotations', 'pullguard.dev/x'] → `/metadata/annotations/pullguard.dev~1x` (RFC 6901). */
export function formatPointer(path: readonly Step[]): string {
  return path.map((step) => `/${escapePointerSegment(String(step))}`).join('');
}

export function escapePointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
