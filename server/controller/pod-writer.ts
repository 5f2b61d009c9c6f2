/**
 * The writes the controller makes to a Pod, behind a small interface so reconcile can be tested without an
 * apiserver. Conflicts and vanished Pods are outcomes, not errors: reconcile decides what they mean.
 */
export interface PodTarget {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The version reconcile decided on; the status patch applies only to it. */
  readonly resourceVersion: string;
}

export interface FailureCondition {
  readonly reason: string;
  readonly message: string;
  /** Set the condition's lastTransitionTime (false when the Pod already carries the condition). */
  readonly transitionAt: Date | undefined;
}

/** written (with the Pod's new resourceVersion); conflict: the Pod changed since `resourceVersion` (409); gone (404). */
export type WriteResult =
  | { readonly outcome: 'written'; readonly resourceVersion: string | undefined }
  | { readonly outcome: 'conflict' }
  | { readonly outcome: 'gone' };

export interface PodWriter {
  /**
   * ONE patch of pods/status, guarded by the target's resourceVersion: the condition `ImagePullFailed=True` with
   * the reason and message, and `phase: Failed`.
   */
  failStatus(target: PodTarget, condition: FailureCondition): Promise<WriteResult>;
  /**
   * Sets `spec.activeDeadlineSeconds` to `seconds`, guarded by the target's resourceVersion (the apiserver only lets
   * it be set, or lowered, and never below 1).
   */
  lowerActiveDeadline(target: PodTarget, seconds: number): Promise<WriteResult>;
  /** A Warning Event on the Pod from pullguard. */
  recordWarning(target: PodTarget, reason: string, message: string): Promise<void>;
  /** Deletes the Pod, preconditioned on its UID (a new Pod of the same name is left alone: `conflict`). */
  deletePod(target: PodTarget): Promise<WriteResult>;
}
