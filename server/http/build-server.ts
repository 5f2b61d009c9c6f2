/**
 * The webhook server: fastify over TLS (HTTP/2, with HTTP/1.1 for clients that do not offer h2), built here and
 * listened on elsewhere, so tests drive it through inject() without a socket.
 *
 * Shutdown (app.close()): routes answer 503 to anything new, the listener stops accepting, requests in flight are
 * answered, and only then do the `onClose` functions run in the order given (informers, controller, registry
 * client): a review that is still running keeps its resolver and credentials until it is done.
 */
import { type FastifyError, fastify, LogController } from 'fastify';
import { bindSecureContext, type TlsContext } from '../certs/tls-context.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { admissionPaths, admissionRoutes } from './admission-routes.ts';
import type { PullguardApp } from './app-types.ts';
import { ADMISSION_BODY_LIMIT_BYTES } from './intake.ts';
import { opsRoutes, type Readiness } from './ops-routes.ts';
import type { ReviewFunction } from './review-function.ts';

export type { PullguardApp } from './app-types.ts';
export type { Readiness } from './ops-routes.ts';

export interface ServerDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly review: ReviewFunction;
  readonly readiness: Readiness;
  /**
   * The serving certificate; its changes are swapped into the running server (setSecureContext). Without it the
   * server has no certificate: only for inject() tests.
   */
  readonly tls?: TlsContext | undefined;
  /** Defaults to ADMISSION_BODY_LIMIT_BYTES (7 MiB; the reason is written beside it). */
  readonly bodyLimit?: number | undefined;
  /** Run in this order after the server stopped accepting and every request in flight was answered. */
  readonly onClose?: readonly (() => Promise<void> | void)[] | undefined;
}

export function buildServer(deps: ServerDeps): PullguardApp {
  const bodyLimit = deps.bodyLimit ?? ADMISSION_BODY_LIMIT_BYTES;
  const material = deps.tls?.current;
  const app = fastify({
    http2: true,
    https: {
      allowHTTP1: true,
      minVersion: 'TLSv1.2',
      ...(material === undefined ? {} : { key: material.key, cert: material.cert }),
    },
    loggerInstance: deps.logger,
    // One line per review (review-observer.ts) says more than fastify's two generic lines per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    return503OnClosing: true,
  });

  if (deps.tls !== undefined) {
    const unbind = bindSecureContext(app.server, deps.tls);
    app.addHook('onClose', async () => unbind());
  }

  const known = [...admissionPaths().keys()].map((path) => `POST ${path}`);
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({
      error: `no route for ${request.method} ${request.url.split('?')[0]}`,
      routes: [...known, 'GET /healthz', 'GET /readyz', 'GET /metrics'],
    }),
  );
  // Only the ops routes reach this one (the admission plugin has its own): a short message, never a stack.
  app.setErrorHandler<FastifyError>(async (error, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });

  app.register(opsRoutes(), { metrics: deps.metrics, readiness: deps.readiness });
  app.register(admissionRoutes, { review: deps.review, metrics: deps.metrics, bodyLimit });

  const closers = deps.onClose ?? [];
  app.addHook('onClose', async () => {
    for (const close of closers) {
      try {
        await close();
      } catch (error) {
        app.log.error({ err: error }, 'a component failed to close');
      }
    }
  });
  return app;
}
