/**
 * Request intake for the admission routes, as controller-runtime's webhook server does it: a capped body, JSON only,
 * and every failure answered in the shape of an AdmissionReview (with the request's uid and apiVersion whenever
 * they can be read), so the API server's log shows a reason instead of an opaque error.
 */
import { ADMISSION_API_VERSIONS, type AdmissionApiVersion, ReviewDecodeError } from '../admission/decode-review.ts';
import { isJsonObject } from '../admission/json-shape.ts';
import { type AdmissionReviewResponseBody, complete, errored } from '../admission/response.ts';

/**
 * 7 MiB. The API server refuses objects over 3 MiB (its etcd request limit), and an AdmissionReview of an UPDATE
 * carries two copies (object and oldObject) plus the request's own fields; 7 MiB leaves room for both without
 * letting a client make the server buffer arbitrary amounts. Fastify's default (1 MiB) would refuse large but
 * legitimate objects such as a Pod with many containers.
 */
export const ADMISSION_BODY_LIMIT_BYTES = 7 * 1024 * 1024;

/** The body of a request whose Content-Type is not JSON: kept so a uid can still be read for the 415 answer. */
export class UnsupportedMediaBody {
  readonly contentType: string;
  readonly raw: Buffer;

  constructor(contentType: string, raw: Buffer) {
    this.contentType = contentType;
    this.raw = raw;
  }
}

export interface ReviewIdentity {
  readonly uid: string;
  readonly apiVersion: AdmissionApiVersion;
}

const UID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * The uid and apiVersion of whatever the body is, when they look right; '' and v1 otherwise. Never throws: it runs
 * on bodies that failed to decode.
 */
export function peekReviewIdentity(body: unknown): ReviewIdentity {
  let value = body;
  if (value instanceof UnsupportedMediaBody) value = tryParseJson(value.raw);
  if (!isJsonObject(value)) return { uid: '', apiVersion: 'admission.k8s.io/v1' };
  const request = value.request;
  const uid =
    isJsonObject(request) && typeof request.uid === 'string' && UID_PATTERN.test(request.uid) ? request.uid : '';
  const apiVersion = ADMISSION_API_VERSIONS.find((version) => version === value.apiVersion) ?? 'admission.k8s.io/v1';
  return { uid, apiVersion };
}

/**
 * An AdmissionReview-shaped error answer. Without a readable uid the API server will not accept it as a response
 * to its request, but its message still reaches the API server's log.
 */
export function errorReview(code: number, message: string, identity: ReviewIdentity): AdmissionReviewResponseBody {
  return complete(errored(code, message), identity);
}

/** The answer to a body that failed admission's decoding (400), with the uid when it was readable. */
export function decodeErrorReview(error: ReviewDecodeError): AdmissionReviewResponseBody {
  return errorReview(400, error.message, {
    uid: error.uid ?? '',
    apiVersion: error.apiVersion ?? 'admission.k8s.io/v1',
  });
}

export function isReviewDecodeError(error: unknown): error is ReviewDecodeError {
  return error instanceof ReviewDecodeError;
}

function tryParseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
