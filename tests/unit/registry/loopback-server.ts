/**
 * A tiny loopback HTTP server for the registry client's unit tests: it answers the way a test tells it to
 * (garbage, oversized bodies, redirects, stalls) and records what it was asked. Not a registry.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

export type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => void;

export interface LoopbackServer {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly port: number;
  readonly origin: string;
  readonly requests: RecordedRequest[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startLoopbackServer(handler?: Handler): Promise<LoopbackServer> {
  let current: Handler = handler ?? ((_request, response) => response.writeHead(404).end());
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    const url = new URL(request.url ?? '/', 'http://loopback');
    current(request, response, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      current = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function sha256(body: string | Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

export const SCHEMA2_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';

/** A small but well-formed schema 2 manifest body. */
export function schema2Manifest(): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: SCHEMA2_TYPE,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 2, digest: sha256('{}') },
    layers: [],
  });
}

/** Answers a manifest like a registry: HEAD with headers only, GET with the body. */
export function answerManifest(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
  options: { mediaType?: string; digest?: string | null } = {},
): void {
  const headers: Record<string, string> = {
    'content-type': options.mediaType ?? SCHEMA2_TYPE,
    'content-length': String(Buffer.byteLength(body)),
  };
  const digest = options.digest === undefined ? sha256(body) : options.digest;
  if (digest !== null) headers['docker-content-digest'] = digest;
  response.writeHead(200, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}

export function answerError(
  response: ServerResponse,
  status: number,
  code?: string,
  extra: Record<string, string> = {},
): void {
  const body =
    code === undefined ? '' : JSON.stringify({ errors: [{ code, message: code.toLowerCase(), detail: null }] });
  response.writeHead(status, { 'content-type': 'application/json', ...extra });
  response.end(body);
}
