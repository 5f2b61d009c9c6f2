/**
 * The servers under load, each a child process on a free loopback port: `pullguard serve` as the container image
 * runs it (the `npm run build` output, dist/bin/pullguard.js, with a generated configuration) and the bare Fastify
 * baseline. Both serve the certificate that
 * `pullguard certs` wrote, and both are registered for stopping with the scenario's cleanups.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../tests/harness/paths.ts';
import { freePort } from '../../tests/harness/ports.ts';
import type { StartedProcess } from '../../tests/harness/process.ts';
import { startNodeProgram, waitUntilReady } from './node-process.ts';
import { getText } from './review-client.ts';
import type { ScenarioContext } from './scenario.ts';

export interface TlsFiles {
  readonly caPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A CA and a serving certificate for 127.0.0.1, written by the real `pullguard certs`. */
export function writeTlsFiles(dir: string): TlsFiles {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin/pullguard.js'), 'certs', '--out', dir], {
    encoding: 'utf8',
    cwd: repoRoot,
  });
  if (result.status !== 0) throw new Error(`pullguard certs failed (${result.status}): ${result.stderr.trim()}`);
  return {
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
  };
}

let built = false;

/** `npm run build` once per bench run: the image runs compiled JavaScript, not the TypeScript sources. */
function buildOnce(): void {
  if (built) return;
  const result = spawnSync('npm', ['run', '--silent', 'build'], { encoding: 'utf8', cwd: repoRoot });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status}): ${result.stdout}${result.stderr}`);
  built = true;
}

/** The Dockerfile's `ENTRYPOINT ["node", ...flags, script]`: the bench runs pullguard with the image's node flags. */
export function imageEntrypoint(): { script: string; nodeFlags: string[] } {
  const line = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')
    .split('\n')
    .findLast((text) => text.startsWith('ENTRYPOINT '));
  const words: unknown = JSON.parse(line?.slice('ENTRYPOINT '.length) ?? 'null');
  if (!Array.isArray(words) || words.length < 2 || !words.every((word) => typeof word === 'string')) {
    throw new Error(`the Dockerfile has no ENTRYPOINT ["node", ..., script] line: ${line}`);
  }
  return { script: words.at(-1) as string, nodeFlags: words.slice(1, -1) as string[] };
}

export interface RunningServer {
  /** `https://127.0.0.1:PORT` */
  readonly origin: string;
  readonly process: StartedProcess;
}

async function waitForHttps(server: RunningServer, path: string, caPem: string, timeoutMs: number): Promise<void> {
  await waitUntilReady(
    server.process,
    async () => {
      try {
        return (await getText(`${server.origin}${path}`, caPem, 2000)).status === 200;
      } catch {
        return false;
      }
    },
    timeoutMs,
  );
}

export async function startBareServer(context: ScenarioContext, tls: TlsFiles): Promise<RunningServer> {
  const port = await freePort();
  const started = startNodeProgram({
    name: 'bare-fastify',
    script: 'bench/support/bare-server.ts',
    args: ['--port', String(port), '--cert', tls.certFile, '--key', tls.keyFile],
    workDir: context.workDir,
    profileDir: context.profileDir,
  });
  context.defer(() => started.stop(10_000));
  const server = { origin: `https://127.0.0.1:${port}`, process: started };
  await waitForHttps(server, '/healthz', tls.caPem, 20_000);
  return server;
}

export interface PullguardServeOptions {
  readonly tls: TlsFiles;
  /** Registry hosts (`127.0.0.1:PORT`) reached over plain HTTP, as the harness registry speaks. */
  readonly insecureRegistries: readonly string[];
  /** A docker config.json with pullguard's own credentials. */
  readonly dockerConfigFile?: string | undefined;
  /** Merged over the generated configuration's top-level sections. */
  readonly config?: Record<string, Record<string, unknown>> | undefined;
  /** Name of the process and its log file (default `pullguard`). */
  readonly name?: string | undefined;
  /** Run against this cluster (KUBECONFIG), with the stuck-pull controller; without it: `--no-kube`. */
  readonly kubeconfigPath?: string | undefined;
  /** How long to wait for /readyz (default 30 s). */
  readonly readyTimeoutMs?: number | undefined;
}

export interface RunningPullguard extends RunningServer {
  /** From spawning the process to /readyz answering 200 (certificates loaded, informers synced). */
  readonly readyAfterMs: number;
  /** GET /metrics (Prometheus text). */
  metrics(): Promise<string>;
}

/** `pullguard serve [--no-kube] --config FILE` on a free port; ready when /readyz answers 200. */
export async function startPullguard(
  context: ScenarioContext,
  options: PullguardServeOptions,
): Promise<RunningPullguard> {
  const port = await freePort();
  const name = options.name ?? 'pullguard';
  const hosts = Object.fromEntries(options.insecureRegistries.map((host) => [host, { insecureHttp: true }]));
  const generated: Record<string, Record<string, unknown>> = {
    server: { host: '127.0.0.1', port },
    tls: { source: 'files', certFile: options.tls.certFile, keyFile: options.tls.keyFile },
    registries: { hosts },
    controller: { enabled: options.kubeconfigPath !== undefined },
    ...(options.dockerConfigFile === undefined ? {} : { credentials: { dockerConfigFile: options.dockerConfigFile } }),
  };
  for (const [section, values] of Object.entries(options.config ?? {})) {
    generated[section] = { ...generated[section], ...values };
  }
  const configFile = join(context.workDir, `${name}-config.json`);
  // JSON is YAML: the config loader reads either.
  writeFileSync(configFile, `${JSON.stringify(generated, null, 2)}\n`);
  const kube = options.kubeconfigPath;
  buildOnce();
  const spawnedAt = performance.now();
  const started = startNodeProgram({
    name,
    ...imageEntrypoint(),
    args: ['serve', ...(kube === undefined ? ['--no-kube'] : []), '--config', configFile],
    workDir: context.workDir,
    profileDir: context.profileDir,
    env: kube === undefined ? {} : { KUBECONFIG: kube },
  });
  context.defer(() => started.stop(10_000));
  const origin = `https://127.0.0.1:${port}`;
  const server = { origin, process: started };
  await waitForHttps(server, '/readyz', options.tls.caPem, options.readyTimeoutMs ?? 30_000);
  return {
    ...server,
    readyAfterMs: performance.now() - spawnedAt,
    metrics: async () => (await getText(`${origin}/metrics`, options.tls.caPem)).body,
  };
}
