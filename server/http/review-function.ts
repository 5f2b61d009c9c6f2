/**
 * The one thing the HTTP layer asks of admission: turn a parsed body into an AdmissionReview answer. Kept as a
 * function type so the server does not depend on admission's credential type, and tests can hand it any function
 * (a throwing one included).
 */

import type { AdmissionReviewResponseBody } from '../admission/response.ts';
import {
  type HandleReviewOptions,
  handleReview,
  type ReviewDeps,
  type ReviewRecord,
  type ReviewRoute,
} from '../admission/review-handler.ts';

export interface ReviewCallOptions {
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Told about the decoded review once it is answered (for the review's log line and metrics). */
  readonly onReview: (record: ReviewRecord) => void;
}

/** Throws ReviewDecodeError for a body that is not an AdmissionReview; otherwise always answers. */
export type ReviewFunction = (
  body: unknown,
  route: ReviewRoute,
  options: ReviewCallOptions,
) => Promise<AdmissionReviewResponseBody>;

/** handleReview bound to its dependencies; the deps' own onReview (if any) still runs first. */
export function reviewFunctionFor<C>(deps: ReviewDeps<C>): ReviewFunction {
  return (body, route, options) => {
    const own = deps.onReview;
    const onReview = (record: ReviewRecord): void => {
      try {
        own?.(record);
      } catch {
        // An observer's failure must not hide the review from the next one.
      }
      options.onReview(record);
    };
    const handleOptions: HandleReviewOptions = { signal: options.signal };
    return handleReview(body, { ...deps, onReview }, route, handleOptions);
  };
}
