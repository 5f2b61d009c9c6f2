/**
 * Plain HTTP(S) requests to a test registry or token issuer, trusting the run's CA when there is one (node's fetch
 * cannot take a CA without undici's Agent). One connection per request, so nothing lingers after a test.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  inToto: 'application/vnd.in-toto+json',
} as const;

/** The Accept list containerd sends for manifests (REGISTRY.md §2.2). */
export const FULL_MANIFEST_ACCEPT = [
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
  '*/*',
].join(', ');

export const HARNESS_USER_AGENT = 'pullguard-test-harness';

export interface HttpRequest {
  method?: string | undefined;
  /** A full URL, or a path resolved against `baseUrl`. */
  url: string;
  baseUrl?: string | undefined;
  headers?: Record<string, string> | undefined;
  body?: Buffer | string | undefined;
  /** PEM of a CA to trust for https. */
  caPem?: string | undefined;
  timeoutMs?: number | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** A header's value (case-insensitive name); repeated headers joined with ', '. */
  header(name: string): string | undefined;
}

export function sendRequest(options: HttpRequest): Promise<HttpResponse> {
  const url = new URL(options.url, options.baseUrl);
  const method = options.method ?? 'GET';
  const headers: Record<string, string | number> = { 'user-agent': HARNESS_USER_AGENT, ...options.headers };
  if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method,
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
        ...(options.caPem === undefined ? {} : { ca: options.caPem }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const responseHeaders = response.headers;
          resolve({
            status: response.statusCode ?? 0,
            headers: responseHeaders,
            body: Buffer.concat(chunks),
            header: (name) => {
              const value = responseHeaders[name.toLowerCase()];
              return Array.isArray(value) ? value.join(', ') : value;
            },
          });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${url.origin}${url.pathname} timed out`)));
    request.on('error', reject);
    request.end(options.body);
  });
}
