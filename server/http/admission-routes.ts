/**
 * POST /validate/{enforce|warn|audit} and POST /mutate/{annotate|pin}[/{enforce|warn|audit}], as one encapsulated
 * plugin: its JSON-only body parsing and its error handler apply to these routes and nothing else.
 *
 * HTTP status: a review that decoded is answered with 200, the decision in the body, except an errored review
 * (the webhook itself failed), which goes out with its status.code (500): only a non-2xx answer makes the API server
 * apply the webhook's failurePolicy, while a 200 with `allowed: false` would deny the object outright. Bodies that
 * cannot be reviewed get 400, 413 or 415, still shaped as an AdmissionReview.
 */
import { ADMISSION_MODES } from '../admission/policy.ts';
import type { AdmissionReviewResponseBody } from '../admission/response.ts';
import type { ReviewRecord, ReviewRoute } from '../admission/review-handler.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { PullguardPlugin } from './app-types.ts';
import {
  decodeErrorReview,
  errorReview,
  isReviewDecodeError,
  peekReviewIdentity,
  type ReviewIdentity,
  UnsupportedMediaBody,
} from './intake.ts';
import { JsonBodyError, parseJsonBody } from './json-body.ts';
import type { ReviewFunction } from './review-function.ts';
import { modeLabel, observeReview } from './review-observer.ts';

export interface AdmissionRoutesOptions extends Record<string, unknown> {
  readonly review: ReviewFunction;
  readonly metrics: Metrics;
  readonly bodyLimit: number;
}

const MUTATIONS = ['annotate', 'pin'] as const;

/** Every admission path and the route it stands for. */
export function admissionPaths(): Map<string, ReviewRoute> {
  const paths = new Map<string, ReviewRoute>();
  for (const mode of ADMISSION_MODES) paths.set(`/validate/${mode}`, { kind: 'validate', mode });
  for (const mutation of MUTATIONS) {
    paths.set(`/mutate/${mutation}`, { kind: 'mutate', mutation });
    for (const mode of ADMISSION_MODES) paths.set(`/mutate/${mutation}/${mode}`, { kind: 'mutate', mutation, mode });
  }
  return paths;
}

export const admissionRoutes: PullguardPlugin<AdmissionRoutesOptions> = async (app, options) => {
  const { review, metrics, bodyLimit } = options;
  const paths = admissionPaths();

  app.removeAllContentTypeParsers();
  app.addContentTypeParser<string>(
    'application/json',
    { parseAs: 'string', bodyLimit },
    async (_request: unknown, body: string) => parseJsonBody(body),
  );
  // Any other media type is read (within the same cap) and refused in the handler, where a uid can still be found.
  app.addContentTypeParser<Buffer>(
    '*',
    { parseAs: 'buffer', bodyLimit },
    async (request: ContentTypeCarrier, body: Buffer) => {
      return new UnsupportedMediaBody(request.headers['content-type'] ?? '', body);
    },
  );

  app.setErrorHandler(async (error, request, reply) => {
    const route = paths.get(request.routeOptions.url ?? '');
    const answer = answerError(error, peekReviewIdentity(request.body), bodyLimit);
    const fields = { uid: answer.review.response.uid, status: answer.status, mode: route && modeLabel(route) };
    if (answer.status >= 500) request.log.error({ ...fields, err: error }, 'admission request failed');
    else request.log.warn({ ...fields, reason: answer.review.response.status?.message }, 'admission request refused');
    if (route !== undefined) {
      metrics.recordReview({
        mode: modeLabel(route),
        kind: 'unknown',
        decision: answer.status >= 500 ? 'errored' : 'malformed',
        durationSeconds: 0,
      });
    }
    return reply.code(answer.status).send(answer.review);
  });

  for (const [path, route] of paths) {
    app.post(path, { bodyLimit }, async (request, reply) => {
      const body = request.body;
      if (body instanceof UnsupportedMediaBody) {
        const shown = body.contentType === '' ? 'no Content-Type' : `Content-Type ${JSON.stringify(body.contentType)}`;
        throw new UnsupportedMediaError(`expected an AdmissionReview as application/json, got ${shown}`);
      }
      if (body === undefined || body === null) {
        throw new JsonBodyError('request body is empty: expected an AdmissionReview as application/json');
      }
      const client = new AbortController();
      const onClose = (): void => {
        if (!reply.raw.writableEnded) client.abort(new Error('the client closed the connection'));
      };
      reply.raw.once('close', onClose);
      let record: ReviewRecord | undefined;
      let response: AdmissionReviewResponseBody;
      try {
        response = await review(body, route, { signal: client.signal, onReview: (r) => (record = r) });
      } finally {
        reply.raw.off('close', onClose);
      }
      if (record !== undefined) observeReview({ record, response, logger: request.log, metrics });
      const errored = record?.result === 'errored';
      return reply.code(errored ? (response.response.status?.code ?? 500) : 200).send(response);
    });
  }
};

interface ContentTypeCarrier {
  readonly headers: { readonly 'content-type'?: string | undefined };
}

class UnsupportedMediaError extends JsonBodyError {}

interface ErrorAnswer {
  readonly status: number;
  readonly review: AdmissionReviewResponseBody;
}

function answerError(error: unknown, identity: ReviewIdentity, bodyLimit: number): ErrorAnswer {
  if (isReviewDecodeError(error)) return { status: 400, review: decodeErrorReview(error) };
  const answer = (status: number, message: string): ErrorAnswer => ({
    status,
    review: errorReview(status, message, identity),
  });
  if (error instanceof UnsupportedMediaError) return answer(415, error.message);
  if (error instanceof JsonBodyError) return answer(400, error.message);
  const code = readProperty(error, 'code');
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return answer(413, `request body is larger than ${describeBytes(bodyLimit)}, the limit for an AdmissionReview`);
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return answer(415, 'expected an AdmissionReview as application/json');
  }
  const status = readProperty(error, 'statusCode');
  // Fastify's own 4xx errors (bad Content-Length, aborted body) carry safe, fixed messages.
  if (typeof status === 'number' && status >= 400 && status < 500 && error instanceof Error) {
    return answer(status, `request refused: ${error.message}`);
  }
  return answer(500, 'pullguard failed while reviewing this request (an internal error; see its log)');
}

function readProperty(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
