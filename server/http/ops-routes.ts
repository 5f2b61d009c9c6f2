/**
 * GET /healthz (the process answers), GET /readyz (certificates loaded, informers synced: whatever the readiness
 * function reports) and GET /metrics (Prometheus text). Generic over the server type so a plain-HTTP metrics port
 * can serve the same routes.
 */
import type { FastifyPluginAsync, FastifyTypeProviderDefault, RawServerBase } from 'fastify';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';

/** Reasons the server is not ready yet; empty when it is. */
export type Readiness = () => readonly string[];

export interface OpsRoutesOptions extends Record<string, unknown> {
  readonly metrics: Metrics;
  readonly readiness: Readiness;
}

export function opsRoutes<S extends RawServerBase>(): FastifyPluginAsync<
  OpsRoutesOptions,
  S,
  FastifyTypeProviderDefault,
  Logger
> {
  return async (app, { metrics, readiness }) => {
    app.get('/healthz', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok\n'));

    app.get('/readyz', async (_request, reply) => {
      const reasons = readiness();
      if (reasons.length === 0) return reply.type('text/plain; charset=utf-8').send('ok\n');
      return reply.code(503).send({ ready: false, reasons });
    });

    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  };
}
