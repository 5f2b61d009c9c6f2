/** The admission configuration the decision reads (`admission.*` in the config file). */

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
