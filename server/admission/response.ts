/**
 * AdmissionReview responses. Handlers build a draft (no uid) with the small helpers below and finish it with
 * `complete`, which copies the uid and the apiVersion of the request, so every answer matches its request.
 */
import type { AdmissionApiVersion } from './decode-review.ts';

/** One RFC 6902 operation, as far as pullguard writes them. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'replace' | 'test';
  readonly path: string;
  readonly value: unknown;
}

export interface AdmissionStatus {
  readonly code: number;
  readonly message: string;
  readonly reason?: string | undefined;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus | undefined;
  readonly warnings?: readonly string[] | undefined;
  /** Base64 of the JSON Patch document. */
  readonly patch?: string | undefined;
  readonly patchType?: 'JSONPatch' | undefined;
  readonly auditAnnotations?: Readonly<Record<string, string>> | undefined;
}

export interface AdmissionReviewResponseBody {
  readonly apiVersion: AdmissionApiVersion;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

/** A response without its uid yet. */
export type ResponseDraft = Omit<AdmissionResponse, 'uid'>;

export function allowed(): ResponseDraft {
  return { allowed: true };
}

/** A denial; kubectl prints `admission webhook "…" denied the request: <message>`. */
export function denied(message: string, code = 403): ResponseDraft {
  const status: AdmissionStatus = code === 403 ? { code, reason: 'Forbidden', message } : { code, message };
  return { allowed: false, status };
}

/** The webhook itself failed (not a verdict on the object): the API server applies the failurePolicy. */
export function errored(code: number, message: string): ResponseDraft {
  return { allowed: false, status: { code, message } };
}

/** Adds warnings (kept in order, empty ones dropped); no field at all when there are none. */
export function withWarnings(draft: ResponseDraft, warnings: readonly string[]): ResponseDraft {
  const kept = [...(draft.warnings ?? []), ...warnings.filter((warning) => warning !== '')];
  return kept.length === 0 ? draft : { ...draft, warnings: kept };
}

export function withAuditAnnotations(
  draft: ResponseDraft,
  annotations: Readonly<Record<string, string>>,
): ResponseDraft {
  if (Object.keys(annotations).length === 0) return draft;
  return { ...draft, auditAnnotations: { ...(draft.auditAnnotations ?? {}), ...annotations } };
}

/** An allowed response carrying a JSON Patch; an empty patch is no patch. */
export function patched(operations: readonly JsonPatchOperation[], draft: ResponseDraft = allowed()): ResponseDraft {
  if (operations.length === 0) return draft;
  return {
    ...draft,
    patch: Buffer.from(JSON.stringify(operations), 'utf8').toString('base64'),
    patchType: 'JSONPatch',
  };
}

/** The full AdmissionReview: the request's apiVersion and uid, fields in the order the API server writes them. */
export function complete(
  draft: ResponseDraft,
  request: { readonly uid: string; readonly apiVersion: AdmissionApiVersion },
): AdmissionReviewResponseBody {
  const response: AdmissionResponse = { uid: request.uid, ...draft };
  return { apiVersion: request.apiVersion, kind: 'AdmissionReview', response };
}

/**
 * The 400 body for a request that could not be decoded, when its uid was readable (the API server ignores a reply
 * without the right uid); undefined otherwise, and the HTTP layer answers with a plain error.
 */
export function decodeFailureReview(error: {
  readonly message: string;
  readonly uid: string | undefined;
  readonly apiVersion: AdmissionApiVersion | undefined;
}): AdmissionReviewResponseBody | undefined {
  if (error.uid === undefined) return undefined;
  return complete(errored(400, error.message), {
    uid: error.uid,
    apiVersion: error.apiVersion ?? 'admission.k8s.io/v1',
  });
}
