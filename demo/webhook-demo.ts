/** The demo's second part: `pullguard serve` without a cluster, answering AdmissionReviews over HTTPS. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { eventually } from '../tests/harness/eventually.ts';
import { tempDir } from '../tests/harness/paths.ts';
import { freePort } from '../tests/harness/ports.ts';

export interface RunningWebhook {
  readonly url: string;
  readonly caPem: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** Starts the real CLI (`pullguard serve --no-kube`) with a config that lets it talk plain HTTP to `registryHost`. */
export async function startLocalWebhook(registryHost: string): Promise<RunningWebhook> {
  const dir = tempDir('demo-serve');
  const port = await freePort();
  const configFile = join(dir, 'pullguard.yaml');
  writeFileSync(
    configFile,
    `registries:\n  hosts:\n    "${registryHost}":\n      insecureHttp: true\nlog:\n  level: info\n`,
  );
  const caFile = join(dir, 'ca.crt');
  const logFile = join(dir, 'serve.log');
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/pullguard.js', 'serve', '--no-kube', '--config', configFile, '--port', String(port), '--ca-out', caFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `https://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`pullguard serve exited; see ${logFile}`);
      const caPem = readFileSync(caFile, 'utf8');
      return (await post(url, '/healthz', caPem, undefined)).status === 200 ? true : undefined;
    },
    { timeoutMs: 30_000, description: `pullguard serve on ${url}` },
  );
  return {
    url,
    caPem: readFileSync(caFile, 'utf8'),
    logFile,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function post(
  base: string,
  path: string,
  caPem: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method: payload === undefined ? 'GET' : 'POST',
        ca: caPem,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** An AdmissionReview for creating a Pod with the given images, as the API server would send it. */
export function podReview(images: readonly string[]): Record<string, unknown> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'demo', namespace: 'team-a' },
    spec: { containers: images.map((image, index) => ({ name: `c${index}`, image, imagePullPolicy: 'Always' })) },
  };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name: 'demo',
      namespace: 'team-a',
      operation: 'CREATE',
      userInfo: { username: 'demo' },
      object: pod,
      oldObject: null,
      dryRun: false,
    },
  };
}

/** Sends a review and prints the decision the way kubectl would show it. */
export async function showDecision(webhook: RunningWebhook, mode: string, images: readonly string[]): Promise<void> {
  console.log(`POST /validate/${mode}  Pod with ${images.join(', ')}`);
  const { status, json } = await post(webhook.url, `/validate/${mode}`, webhook.caPem, podReview(images));
  const response = (json?.response ?? {}) as {
    allowed?: boolean;
    status?: { message?: string };
    warnings?: string[];
  };
  console.log(`  HTTP ${status}: ${response.allowed ? 'allowed' : 'denied'}`);
  if (response.status?.message) console.log(`  message: ${response.status.message}`);
  for (const warning of response.warnings ?? []) console.log(`  Warning: ${warning}`);
}
