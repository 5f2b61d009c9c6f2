/**
 * A small, fast client for the harness's kube-apiserver: HTTP/2 with the admin client certificate from the
 * harness's kubeconfig, many requests multiplexed on one connection (bulk creation of tens of thousands of Pods
 * in a minute or two, where kubectl would take an hour), and watch streams read line by line.
 */
import { readFileSync } from 'node:fs';
import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from 'node:http2';

export interface KubeAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface WatchEvent {
  readonly type: string;
  readonly object: Record<string, unknown>;
}

export interface KubeClient {
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeAnswer>;
  /** Opens a watch (`path` without `watch=1`); `onEvent` gets each event as it arrives. */
  watch(path: string, onEvent: (event: WatchEvent) => void): { close(): void };
  close(): void;
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

const decode = (base64: string): string => Buffer.from(base64, 'base64').toString('utf8');

export function connectKube(kubeconfigPath: string): KubeClient {
  const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigFile;
  const cluster = config.clusters[0]?.cluster;
  const user = config.users[0]?.user;
  if (cluster === undefined || user === undefined) throw new Error(`${kubeconfigPath}: no cluster or user`);
  const tls = {
    ca: decode(cluster['certificate-authority-data']),
    cert: decode(user['client-certificate-data']),
    key: decode(user['client-key-data']),
  };
  const sessions: ClientHttp2Session[] = [];
  const open = (): ClientHttp2Session => {
    const session = connect(cluster.server, tls);
    session.on('error', () => {});
    sessions.push(session);
    return session;
  };
  let main = open();
  const mainSession = (): ClientHttp2Session => {
    if (main.closed || main.destroyed) main = open();
    return main;
  };

  const send = (session: ClientHttp2Session, method: string, path: string, headers: Record<string, string | number>) =>
    session.request({ [constants.HTTP2_HEADER_METHOD]: method, [constants.HTTP2_HEADER_PATH]: path, ...headers });

  return {
    request: (method, path, body, contentType = 'application/json') =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const stream = send(mainSession(), method, path, {
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': payload.length }),
        });
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (headers) => {
          status = Number(headers[constants.HTTP2_HEADER_STATUS] ?? 0);
        });
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) });
          } catch {
            reject(new Error(`${method} ${path} answered ${status} with a body that is not JSON`));
          }
        });
        stream.end(payload);
      }),

    watch: (path, onEvent) => {
      // A session of its own: a long-lived stream must not share flow control with bulk requests.
      const session = open();
      const separator = path.includes('?') ? '&' : '?';
      const stream: ClientHttp2Stream = send(session, 'GET', `${path}${separator}watch=1`, {
        accept: 'application/json',
      });
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        pending += chunk;
        for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.trim() !== '') onEvent(JSON.parse(line) as WatchEvent);
        }
      });
      stream.on('error', () => {});
      stream.end();
      return {
        close: () => {
          stream.close();
          session.close();
        },
      };
    },

    close: () => {
      for (const session of sessions) if (!session.closed) session.close();
    },
  };
}

/** Runs `task(index)` for 0..count-1 with at most `concurrency` in flight; rejects on the first failure. */
export async function forEachConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
