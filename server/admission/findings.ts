/** What examining one image field produced: the input of the pure decision. */
import type { ImageReference } from '../reference/index.ts';
import type { Outcome, Platform } from '../registry/types.ts';
import type { ImageEntry } from './pod-specs.ts';

export interface ImageFinding {
  readonly entry: ImageEntry;
  readonly outcome: Outcome;
  /** Why, for people: `ghcr.io answered 404 MANIFEST_UNKNOWN`, `exempt by pattern "registry.local/**"`. */
  readonly detail: string;
  /** The registry host that was asked (for per-registry policy and messages); '' when none was. */
  readonly registry: string;
  /** The parsed reference, when the image parsed. */
  readonly reference: ImageReference | undefined;
  /** The manifest or index digest, when `present`. */
  readonly digest: string | undefined;
  /** Candidate node platforms the check used; undefined when there was no platform check. */
  readonly platforms: readonly Platform[] | undefined;
  /** Extra facts from the resolver (parser compatibility, fallback platforms), already short. */
  readonly warnings: readonly string[];
}

/** A pull secret of the pod spec the kubelet cannot decode: it then fails every pull of the Pod (REGISTRY.md §4.2). */
export interface PullSecretProblem {
  /** e.g. `spec.template.spec.imagePullSecrets`. */
  readonly fieldPath: string;
  /** e.g. `image pull secret "regcred" cannot be decoded: …` (never secret data). */
  readonly message: string;
}

/** More image fields than one review examines. */
export interface ImageOverflow {
  readonly total: number;
  readonly limit: number;
}
