/** Turns client-node failures into PullguardErrors (code KUBE_ERROR) that name the call, never its payload. */
import { ApiException } from '@kubernetes/client-node';
import { PullguardError } from '../errors.ts';

/** The HTTP status of a client-node ApiException, or undefined for anything else (network errors, bugs). */
export function apiStatusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export function toKubeApiError(error: unknown, what: string): PullguardError {
  const status = apiStatusOf(error);
  const detail = status === undefined ? describeError(error) : `HTTP ${status}${statusMessage(error)}`;
  // The cause is kept for debugging: ApiException carries the response (a Status object), not the request body.
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
