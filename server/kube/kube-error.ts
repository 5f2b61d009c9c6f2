/** Turns client-node failures into PullguardErrors (code KUBE_ERROR) that name the call, never its payload. */
import { ApiException } from '@kubernetes/client-node';
import { PullguardError } from '../errors.ts';

/**
 * The HTTP status of a failed call: an ApiException's code, or the `statusCode` a watch sets on its error; undefined
 * for anything else (network errors, bugs).
 */
export function kubeStatusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (error instanceof PullguardError && error.code === 'KUBE_ERROR') return error.httpStatus;
  if (error instanceof Error && 'statusCode' in error && typeof error.statusCode === 'number') return error.statusCode;
  return undefined;
}

/** `what failed: HTTP 403: <the apiserver's Status message>`; the cause is kept, the request body never is. */
export function toKubeError(error: unknown, what: string): PullguardError {
  const status = kubeStatusOf(error);
  const detail = status === undefined ? describeError(error) : `HTTP ${status}${statusMessage(error)}`;
  return new PullguardError('KUBE_ERROR', `${what} failed: ${detail}`, {
    cause: error,
    ...(status === undefined ? {} : { httpStatus: status }),
  });
}

function statusMessage(error: unknown): string {
  if (!(error instanceof ApiException)) return '';
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return '';
    }
  }
  const message = body && typeof body === 'object' && 'message' in body ? body.message : undefined;
  return typeof message === 'string' ? `: ${message.slice(0, 300)}` : '';
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
