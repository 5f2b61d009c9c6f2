/** The fastify instance type pullguard builds: an HTTP/2 TLS server that also speaks HTTP/1.1, logging with pino. */
import type { Http2SecureServer } from 'node:http2';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyTypeProviderDefault,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
} from 'fastify';
import type { Logger } from '../log/logger.ts';

export type PullguardApp = FastifyInstance<
  Http2SecureServer,
  RawRequestDefaultExpression<Http2SecureServer>,
  RawReplyDefaultExpression<Http2SecureServer>,
  Logger,
  FastifyTypeProviderDefault
>;

export type PullguardPlugin<Options extends Record<string, unknown> = Record<never, never>> = FastifyPluginAsync<
  Options,
  Http2SecureServer,
  FastifyTypeProviderDefault,
  Logger
>;
