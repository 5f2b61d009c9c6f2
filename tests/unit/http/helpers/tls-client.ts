/** Minimal HTTPS (HTTP/1.1) and HTTP/2 clients that trust one CA and report the certificate the server presented. */
import { connect } from 'node:http2';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface TlsReply {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Upper-case hex serial of the server's certificate. */
  readonly serialNumber: string;
  readonly protocol: string;
}

export interface TlsCall {
  readonly port: number;
  readonly ca: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string | undefined;
}

export function callHttp1(call: TlsCall): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: call.port,
        ca: call.ca,
        method: call.method,
        path: call.path,
        agent: false,
        headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const serialNumber = socket.getPeerCertificate().serialNumber.toUpperCase();
        const protocol = `HTTP/${res.httpVersion}`;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers, serialNumber, protocol }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(call.body);
  });
}

export function callHttp2(call: TlsCall): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://127.0.0.1:${call.port}`, { ca: call.ca });
    session.on('error', reject);
    const stream = session.request({
      ':method': call.method,
      ':path': call.path,
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    });
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    let body = '';
    stream.on('response', (responseHeaders) => {
      status = Number(responseHeaders[':status']);
      headers = { ...responseHeaders };
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      body += chunk;
    });
    stream.on('end', () => {
      const socket = session.socket as TLSSocket;
      const serialNumber = socket.getPeerCertificate().serialNumber.toUpperCase();
      session.close();
      resolve({ status, body, headers, serialNumber, protocol: `HTTP/2 (${session.alpnProtocol})` });
    });
    stream.on('error', reject);
    stream.end(call.body);
  });
}
