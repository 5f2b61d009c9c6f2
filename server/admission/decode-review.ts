/**
 * Validates an already-parsed request body as an AdmissionReview (admission.k8s.io/v1 or v1beta1). Nothing about
 * the body is trusted: every field the handler reads is checked here, and each failure names the field.
 */
import { AdmissionDecodeError } from '../errors.ts';
import { describeJsonType, isJsonObject, type JsonObject } from './json-shape.ts';

export const ADMISSION_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionApiVersion = (typeof ADMISSION_API_VERSIONS)[number];

export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  /** '' when the request is for the main resource. */
  readonly subResource: string;
  readonly operation: Operation;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  /** '' when the object has no name yet (generateName). */
  readonly name: string;
  readonly object: JsonObject | null;
  readonly oldObject: JsonObject | null;
  readonly dryRun: boolean;
  readonly userInfo: { readonly username: string };
}

export interface AdmissionReviewRequest {
  readonly apiVersion: AdmissionApiVersion;
  readonly request: AdmissionRequest;
}

/** An AdmissionDecodeError that remembers the uid and apiVersion when they were readable, for a 400 review body. */
export class ReviewDecodeError extends AdmissionDecodeError {
  readonly uid: string | undefined;
  readonly apiVersion: AdmissionApiVersion | undefined;

  constructor(message: string, uid: string | undefined, apiVersion: AdmissionApiVersion | undefined) {
    super(message);
    this.uid = uid;
    this.apiVersion = apiVersion;
  }
}

/** Kubernetes uids are UUIDs; anything far longer is not one. */
const UID_MAX_LENGTH = 128;
/** Object names may be up to 253 characters (DNS subdomain). */
const NAME_MAX_LENGTH = 253;
const FIELD_MAX_LENGTH = 256;
const USERNAME_MAX_LENGTH = 512;

/** Throws ReviewDecodeError (an AdmissionDecodeError, HTTP 400) naming the first field that is wrong. */
export function decodeReview(body: unknown): AdmissionReviewRequest {
  if (!isJsonObject(body)) fail(`body: must be a JSON object, got ${describeJsonType(body)}`);
  const apiVersion = readApiVersion(body.apiVersion);
  const request = body.request;
  const uid = isJsonObject(request) && isGoodUid(request.uid) ? request.uid : undefined;
  const failHere = (message: string): never => fail(message, uid, apiVersion);

  if (body.kind !== 'AdmissionReview') {
    failHere(`kind: must be "AdmissionReview", got ${describeValue(body.kind)}`);
  }
  if (!isJsonObject(request)) return failHere(`request: must be an object, got ${describeJsonType(request)}`);
  if (uid === undefined) {
    return failHere(`request.uid: must be a non-empty string of at most ${UID_MAX_LENGTH} printable characters`);
  }

  const operation = request.operation;
  if (!isOperation(operation)) {
    return failHere(`request.operation: must be one of ${OPERATIONS.join(', ')}, got ${describeValue(operation)}`);
  }
  const object = readObject(request.object, 'request.object', failHere);
  if ((operation === 'CREATE' || operation === 'UPDATE') && object === null) {
    failHere(`request.object: must be an object for ${operation}`);
  }

  return {
    apiVersion,
    request: {
      uid,
      kind: readGroupVersionKind(request.kind, failHere),
      resource: readGroupVersionResource(request.resource, failHere),
      subResource: readOptionalString(request.subResource, 'request.subResource', FIELD_MAX_LENGTH, failHere),
      operation,
      namespace: readOptionalString(request.namespace, 'request.namespace', NAME_MAX_LENGTH, failHere),
      name: readOptionalString(request.name, 'request.name', NAME_MAX_LENGTH, failHere),
      object,
      oldObject: readObject(request.oldObject, 'request.oldObject', failHere),
      dryRun: readDryRun(request.dryRun, failHere),
      userInfo: readUserInfo(request.userInfo),
    },
  };
}

type Fail = (message: string) => never;

function fail(message: string, uid?: string, apiVersion?: AdmissionApiVersion): never {
  throw new ReviewDecodeError(`invalid AdmissionReview: ${message}`, uid, apiVersion);
}

function readApiVersion(value: unknown): AdmissionApiVersion {
  const known = ADMISSION_API_VERSIONS.find((version) => version === value);
  if (known === undefined) {
    fail(`apiVersion: must be one of ${ADMISSION_API_VERSIONS.join(', ')}, got ${describeValue(value)}`);
  }
  return known;
}

function isGoodUid(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= UID_MAX_LENGTH && isPrintable(value);
}

function isPrintable(text: string): boolean {
  return /^[\x21-\x7e]+$/.test(text);
}

function isOperation(value: unknown): value is Operation {
  return OPERATIONS.some((operation) => operation === value);
}

function readObject(value: unknown, field: string, failHere: Fail): JsonObject | null {
  if (value === undefined || value === null) return null;
  if (!isJsonObject(value)) return failHere(`${field}: must be an object or null, got ${describeJsonType(value)}`);
  return value;
}

function readGroupVersionKind(value: unknown, failHere: Fail): GroupVersionKind {
  if (!isJsonObject(value)) return failHere(`request.kind: must be an object, got ${describeJsonType(value)}`);
  return {
    group: readOptionalString(value.group, 'request.kind.group', FIELD_MAX_LENGTH, failHere),
    version: readRequiredString(value.version, 'request.kind.version', failHere),
    kind: readRequiredString(value.kind, 'request.kind.kind', failHere),
  };
}

function readGroupVersionResource(value: unknown, failHere: Fail): GroupVersionResource {
  if (!isJsonObject(value)) return failHere(`request.resource: must be an object, got ${describeJsonType(value)}`);
  return {
    group: readOptionalString(value.group, 'request.resource.group', FIELD_MAX_LENGTH, failHere),
    version: readRequiredString(value.version, 'request.resource.version', failHere),
    resource: readRequiredString(value.resource, 'request.resource.resource', failHere),
  };
}

function readRequiredString(value: unknown, field: string, failHere: Fail): string {
  if (typeof value !== 'string' || value === '') {
    return failHere(`${field}: must be a non-empty string, got ${describeValue(value)}`);
  }
  if (value.length > FIELD_MAX_LENGTH) return failHere(`${field}: longer than ${FIELD_MAX_LENGTH} characters`);
  return value;
}

function readOptionalString(value: unknown, field: string, maxLength: number, failHere: Fail): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') return failHere(`${field}: must be a string, got ${describeJsonType(value)}`);
  if (value.length > maxLength) return failHere(`${field}: longer than ${maxLength} characters`);
  return value;
}

function readDryRun(value: unknown, failHere: Fail): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') return failHere(`request.dryRun: must be a boolean, got ${describeJsonType(value)}`);
  return value;
}

/** Only informational (logs); a strange shape is ignored rather than refused. */
function readUserInfo(value: unknown): { username: string } {
  const username = isJsonObject(value) ? value.username : undefined;
  return { username: typeof username === 'string' ? username.slice(0, USERNAME_MAX_LENGTH) : '' };
}

/** A short, escaped rendering of an unexpected value for a message. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  return describeJsonType(value);
}
