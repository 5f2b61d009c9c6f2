/** buildServer with fakes: a scripted resolver, a log sink and a fresh metrics registry per test. */
import { DEFAULT_ADMISSION_POLICY } from '../../../../server/admission/policy.ts';
import type { CredentialSource } from '../../../../server/admission/ports.ts';
import type { ReviewDeps } from '../../../../server/admission/review-handler.ts';
import type { TlsContext } from '../../../../server/certs/tls-context.ts';
import { buildServer, type PullguardApp } from '../../../../server/http/build-server.ts';
import { type ReviewFunction, reviewFunctionFor } from '../../../../server/http/review-function.ts';
import { createLogger } from '../../../../server/log/logger.ts';
import { createMetrics, type Metrics } from '../../../../server/metrics/metrics.ts';
import { createLogSink, type LogSink } from '../../../helpers/log-sink.ts';
import { type FakeCredential, noCredentials, ScriptedResolver } from './fakes.ts';

export interface TestServerOptions {
  resolver?: ScriptedResolver;
  credentials?: CredentialSource<FakeCredential>;
  /** Replaces the real handleReview binding. */
  review?: ReviewFunction;
  readiness?: () => readonly string[];
  deps?: Partial<ReviewDeps<FakeCredential>>;
  tls?: TlsContext;
  bodyLimit?: number;
  onClose?: (() => Promise<void> | void)[];
  /** Default `info`. */
  logLevel?: 'debug' | 'info';
}

export interface TestServer {
  readonly app: PullguardApp;
  readonly resolver: ScriptedResolver;
  readonly metrics: Metrics;
  readonly log: LogSink;
}

export function buildTestServer(options: TestServerOptions = {}): TestServer {
  const resolver = options.resolver ?? new ScriptedResolver();
  const log = createLogSink();
  const metrics = createMetrics({ defaultMetrics: false });
  const reviewDeps: ReviewDeps<FakeCredential> = {
    resolver,
    credentials: options.credentials ?? noCredentials,
    policy: DEFAULT_ADMISSION_POLICY,
    clusterPlatforms: [],
    deadlineMs: 2000,
    ...options.deps,
  };
  const app = buildServer({
    logger: createLogger({ level: options.logLevel ?? 'info', destination: log.stream }),
    metrics,
    review: options.review ?? reviewFunctionFor(reviewDeps),
    readiness: options.readiness ?? (() => []),
    tls: options.tls,
    bodyLimit: options.bodyLimit,
    onClose: options.onClose,
  });
  return { app, resolver, metrics, log };
}

/** POST a review body as JSON through inject(). */
export function postReview(app: PullguardApp, path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}
