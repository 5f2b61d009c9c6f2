import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './ports.ts';
import type { StartedProcess } from './process.ts';

const live = new Set<StartedProcess>();
let exitHookInstalled = false;

/** Remembers a started component so that it is killed (by its PID) even if this process exits without stop(). */
export function track(started: StartedProcess): StartedProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const component of live) {
        try {
          process.kill(component.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  live.add(started);
  void started.exited.then(() => live.delete(started));
  return started;
}

export interface ReadyComponentOptions {
  name: string;
  ports: number;
  start(ports: number[]): StartedProcess;
  isReady(ports: number[]): Promise<boolean>;
  timeoutMs: number;
}

export interface ReadyComponent {
  process: StartedProcess;
  ports: number[];
}

/**
 * Starts a component on free loopback ports and waits for it to be ready. A free port can be taken by someone
 * else between our probe and the component's bind, so an early exit with "address already in use" is retried
 * on new ports. On failure the process is stopped and the error carries the tail of its log.
 */
export async function startReadyComponent(options: ReadyComponentOptions): Promise<ReadyComponent> {
  for (let attempt = 1; ; attempt += 1) {
    const ports = await Promise.all(Array.from({ length: options.ports }, () => freePort()));
    const started = track(options.start(ports));
    try {
      await waitForReady(started, () => options.isReady(ports), options.timeoutMs);
      return { process: started, ports };
    } catch (error) {
      await started.stop();
      const log = tailOf(started.logFile);
      if (attempt < 3 && /address already in use/.test(log)) continue;
      throw new Error(`${options.name} did not start: ${(error as Error).message}\n--- ${started.logFile}:\n${log}`, {
        cause: error,
      });
    }
  }
}

/**
 * Polls `isReady` until it answers true; fails at once when the process exits (process.ts's waitUntilReady goes on
 * polling a dead process until its deadline, because `eventually` treats a throwing probe as "not yet").
 */
async function waitForReady(
  started: StartedProcess,
  isReady: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let exitCode: number | null | undefined;
  void started.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${started.name} exited with ${exitCode} before it was ready`);
    try {
      if (await isReady()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${started.name} was not ready within ${timeoutMs} ms${why}`);
    }
    await delay(100);
  }
}

export function tailOf(file: string, lines = 25): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export interface TlsClient {
  ca?: string;
  cert?: string;
  key?: string;
  /** For components with self-signed serving certificates (kube-controller-manager). */
  insecure?: boolean;
}

/** GETs an https URL and returns status and body; never throws on HTTP errors, only on connection errors. */
export function httpsGet(url: string, tls: TlsClient, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: !tls.insecure,
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
