/**
 * One log line and one metric sample per answered review. The line names the review (uid, kind, namespace, name,
 * operation, mode), carries the decision and duration, and never the object itself: objects may hold environment
 * values, and findings are enough to say why. A review that was allowed with nothing to report is logged at debug
 * (as Gatekeeper and Kyverno do): at info it would be one line per Pod created, and a third of a warm review's CPU.
 */

import type { AdmissionReviewResponseBody } from '../admission/response.ts';
import type { ReviewRecord, ReviewRoute } from '../admission/review-handler.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics, ReviewDecisionLabel } from '../metrics/metrics.ts';

/** Findings beyond this many are counted, not listed, so a review of 1,000 images stays one readable line. */
const MAX_LOGGED_FINDINGS = 20;

export function modeLabel(route: ReviewRoute): string {
  return route.kind === 'validate' ? route.mode : route.mutation;
}

export function decisionOf(record: ReviewRecord, response: AdmissionReviewResponseBody): ReviewDecisionLabel {
  if (record.result !== 'allowed') return record.result;
  return (response.response.warnings?.length ?? 0) > 0 ? 'warned' : 'allowed';
}

export interface ReviewObservation {
  readonly record: ReviewRecord;
  readonly response: AdmissionReviewResponseBody;
  /** The request's logger (it carries fastify's reqId). */
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export function observeReview({ record, response, logger, metrics }: ReviewObservation): void {
  const decision = decisionOf(record, response);
  const mode = modeLabel(record.route);
  metrics.recordReview({ mode, kind: record.kind, decision, durationSeconds: record.durationMs / 1000 });
  const notable = record.findings.filter((finding) => finding.outcome !== 'present' && finding.outcome !== 'skipped');
  const level = decision === 'errored' ? 'error' : decision === 'allowed' && notable.length === 0 ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const fields = {
    uid: record.uid,
    kind: record.kind,
    namespace: record.namespace,
    name: record.name,
    operation: record.operation,
    mode,
    decision,
    durationMs: Math.round(record.durationMs * 10) / 10,
    dryRun: record.dryRun,
    images: record.findings.length,
    ...(notable.length > 0 ? { findings: notable.slice(0, MAX_LOGGED_FINDINGS) } : {}),
    ...(record.subResource === '' ? {} : { subResource: record.subResource }),
  };
  if (level === 'error') {
    logger.error({ ...fields, err: record.error, status: response.response.status }, 'admission review failed');
  } else {
    logger[level](fields, 'admission review');
  }
}
