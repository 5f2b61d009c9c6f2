/**
 * What admission needs from the resolver and from the credential store, as narrow interfaces of its own: the real
 * Resolver (server/resolver) and the informer-backed pull-secret reader satisfy them structurally, tests use fakes.
 * `C` is the credential type; admission never looks inside one, it only hands the keyring's matches on.
 */
import type { Outcome, Platform } from '../registry/types.ts';

export interface ResolveRequest<C> {
  /** The image as written in the object. */
  readonly image: string;
  /** The credentials the kubelet would try for it, in order (empty: anonymous). */
  readonly credentials: readonly C[];
  /** Candidate node platforms; absent means no platform check. */
  readonly platforms?: readonly Platform[];
  /** Aborted at the review's deadline. */
  readonly signal: AbortSignal;
}

/** The part of the resolver's Resolution that admission reads. */
export interface ImageResolution {
  readonly outcome: Outcome;
  readonly digest?: string | undefined;
  /** The registry host that was asked. */
  readonly registry: string;
  /** e.g. `ghcr.io answered 404 MANIFEST_UNKNOWN`; never holds a credential. */
  readonly detail: string;
  readonly warnings: readonly string[];
}

export interface ImageResolver<C> {
  resolve(request: ResolveRequest<C>): Promise<ImageResolution>;
  /** The answer `resolve` would give without asking the registry (a fresh cache entry), else undefined. */
  peek?(request: Omit<ResolveRequest<C>, 'signal'>): ImageResolution | undefined;
}

/** The kubelet's keyring for one Pod: the credentials matching a normalized image name (`domain/path`). */
export interface CredentialKeyring<C> {
  lookup(imageName: string): readonly C[];
}

export interface PodCredentialRequest {
  readonly namespace: string;
  /** The pod spec's `imagePullSecrets` names, in order. */
  readonly pullSecretNames: readonly string[];
  /** The ServiceAccount whose secrets may be added ('default' when the spec names none). */
  readonly serviceAccountName: string;
  /**
   * Add the ServiceAccount's imagePullSecrets after the listed ones. True only for templates that list none: that is
   * what the ServiceAccount admission plugin will do to their Pods; a Pod already went through it (REGISTRY.md §4.6).
   */
  readonly includeServiceAccountSecrets: boolean;
}

export type PodKeyringResult<C> =
  | { readonly ok: true; readonly keyring: CredentialKeyring<C> }
  /** A pull secret the kubelet cannot decode; the message names it and never holds its data. */
  | { readonly ok: false; readonly error: { readonly message: string } };

export interface CredentialSource<C> {
  forPod(request: PodCredentialRequest): PodKeyringResult<C> | Promise<PodKeyringResult<C>>;
}
