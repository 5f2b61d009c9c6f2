/**
 * Sends AdmissionReviews the way kube-apiserver does: over one TLS connection with HTTP/2 (Go's client negotiates
 * h2 when the server offers it), many reviews multiplexed as concurrent streams. Also a one-off GET for probes.
 */
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { request as httpsRequest } from 'node:https';

export interface ReviewAnswer {
  readonly status: number;
  /** The parsed AdmissionReview (or error body). */
  readonly body: ReviewResponseBody;
  /** Milliseconds from sending the request to the last byte of the answer. */
  readonly ms: number;
}

export interface ReviewResponseBody {
  readonly response?: {
    readonly uid?: string;
    readonly allowed?: boolean;
    readonly warnings?: readonly string[];
    readonly status?: { readonly code?: number; readonly message?: string };
  };
}

export interface ReviewClient {
  /** `review` as an object, or already serialized (a Buffer), to keep JSON.stringify out of the load generator. */
  send(path: string, review: unknown): Promise<ReviewAnswer>;
  close(): Promise<void>;
}

export function connectReviewClient(origin: string, caPem: string): ReviewClient {
  let session: ClientHttp2Session | undefined;
  const open = (): ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      session = connect(origin, { ca: caPem });
      // An unused session must not keep the benchmark alive, nor crash it when the server goes away.
      session.on('error', () => {});
    }
    return session;
  };
  return {
    send: (path, review) =>
      new Promise((resolve, reject) => {
        const payload = Buffer.isBuffer(review) ? review : Buffer.from(JSON.stringify(review));
        const started = performance.now();
        const stream = open().request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: path,
          'content-type': 'application/json',
          'content-length': payload.length,
        });
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (headers) => {
          status = Number(headers[constants.HTTP2_HEADER_STATUS] ?? 0);
        });
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          const ms = performance.now() - started;
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status, body: JSON.parse(text) as ReviewResponseBody, ms });
          } catch {
            reject(new Error(`${path} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`));
          }
        });
        stream.end(payload);
      }),
    close: () =>
      new Promise((resolve) => {
        if (session === undefined || session.closed) resolve();
        else session.close(() => resolve());
      }),
  };
}

/** A GET over HTTPS/1.1 with a fresh connection; resolves with status and body text (never rejects on status). */
export function getText(url: string, caPem: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { ca: caPem, agent: false, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}
