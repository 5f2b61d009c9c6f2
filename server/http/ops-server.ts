/**
 * /healthz, /readyz and /metrics on a plain-HTTP port of their own (config `server.metricsPort`), for scrapers and
 * probes that do not speak the webhook's TLS. Same routes and answers as on the webhook port.
 */
import type { Server } from 'node:http';
import { fastify, LogController } from 'fastify';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { opsRoutes, type Readiness } from './ops-routes.ts';

export interface OpsServerDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly readiness: Readiness;
}

export function buildOpsServer(deps: OpsServerDeps) {
  const app = fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  app.register(opsRoutes<Server>(), { metrics: deps.metrics, readiness: deps.readiness });
  return app;
}
