/**
 * A real registry for tests: Debian's docker-registry (distribution 2.8) on a free loopback port, with a generated
 * config, filesystem storage in a temp dir and one of three auth modes (none, htpasswd, token with our own issuer),
 * optionally over HTTPS with a per-run CA. Stopped by its own PID; the temp dir holds config, storage and the log.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './eventually.ts';
import { ensureDebianPackage } from './install.ts';
import { tempDir } from './paths.ts';
import { freePort } from './ports.ts';
import { type StartedProcess, startProcess } from './process.ts';
import { parseAccessLog, type RegistryAccess } from './registry-access-log.ts';
import { createTestCa, issueCertificate } from './registry-certs.ts';
import { type RegistryAuthConfig, renderHtpasswd, renderRegistryConfig } from './registry-config.ts';
import { sendRequest } from './registry-http.ts';
import { type AnonymousDenial, type RegistryUser, startTokenIssuer, type TokenRequest } from './token-issuer.ts';

export type { RegistryAccess } from './registry-access-log.ts';
export type { AnonymousDenial, RegistryUser, TokenRequest } from './token-issuer.ts';

export type RegistryAuthMode = 'none' | 'htpasswd' | 'token';

export interface StartRegistryOptions {
  /** Default 'none'. */
  auth?: RegistryAuthMode | undefined;
  /** Users for htpasswd and token auth; default one user `alice` with a random password. */
  users?: readonly RegistryUser[] | undefined;
  /** Token auth: repositories anonymous callers may pull (`team/` prefix, `*`/`**` globs, or exact names). */
  publicRepositories?: readonly string[] | undefined;
  /** Token auth: `expires_in` of issued tokens (default 300); null leaves it out (tokens then live 60 s). */
  tokenExpiresIn?: number | null | undefined;
  /** Token auth: anonymous request for a private repository → token without access (default) or issuer 401. */
  tokenAnonymousDenial?: AnonymousDenial | undefined;
  /** Serve HTTPS (registry and token issuer) with a certificate from a per-run CA; see `caPem`. */
  tls?: boolean | undefined;
  startTimeoutMs?: number | undefined;
}

export interface TestTokenIssuer {
  /** The realm URL (`http(s)://127.0.0.1:PORT/token`). */
  readonly url: string;
  readonly service: string;
  requests(): TokenRequest[];
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** `http://127.0.0.1:PORT` or `https://…` */
  readonly url: string;
  readonly auth: RegistryAuthMode;
  readonly users: readonly RegistryUser[];
  /** The CA that signed the registry's (and token issuer's) TLS certificate, when `tls` was set. */
  readonly caPem?: string | undefined;
  readonly tokenIssuer?: TestTokenIssuer | undefined;
  /** The registry's combined stdout/stderr. */
  readonly logFile: string;
  /**
   * Requests that reached the registry, in the order it logged them (it logs after answering, so the latest may be
   * missing; see settledAccessLog). The harness's own readiness and flush probes are left out.
   */
  accessLog(): RegistryAccess[];
  /** Sends a marker request, waits until the log holds it, then returns accessLog(): earlier requests are in. */
  settledAccessLog(): Promise<RegistryAccess[]>;
  /** Stops the registry process but keeps port, storage and config; `restart()` brings it back (outage tests). */
  stopTemporarily(): Promise<{ restart(): Promise<void> }>;
  /** SIGSTOP: connections are accepted by the kernel but never answered (timeout tests). `thaw()` resumes. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export const PROBE_USER_AGENT = 'pullguard-harness-probe';
export const FLUSH_USER_AGENT = 'pullguard-harness-flush';
const TOKEN_SERVICE = 'pullguard-test-registry';
const TOKEN_ISSUER = 'pullguard-test-issuer';

function defaultUsers(auth: RegistryAuthMode): RegistryUser[] {
  return auth === 'none' ? [] : [{ username: 'alice', password: randomBytes(12).toString('base64url') }];
}

function isHarnessProbe(entry: RegistryAccess): boolean {
  return entry.userAgent.startsWith(PROBE_USER_AGENT) || entry.userAgent.startsWith(FLUSH_USER_AGENT);
}

interface Launch {
  binary: string;
  configFile: string;
  logFile: string;
  url: string;
  caPem: string | undefined;
  timeoutMs: number;
}

/** Starts the registry and waits until `GET /v2/` answers 200 or 401; fails fast (with the log path) if it exits. */
async function launch(options: Launch): Promise<StartedProcess> {
  const started = startProcess({
    name: 'docker-registry',
    command: options.binary,
    args: ['serve', options.configFile],
    logFile: options.logFile,
  });
  let exited = false;
  void started.exited.then(() => {
    exited = true;
  });
  const isUp = async (): Promise<boolean> => {
    const response = await sendRequest({
      url: '/v2/',
      baseUrl: options.url,
      caPem: options.caPem,
      headers: { 'user-agent': PROBE_USER_AGENT },
      timeoutMs: 2000,
    });
    return response.status === 200 || response.status === 401;
  };
  // Not waitUntilReady(): its exit check throws inside eventually(), which retries until the deadline.
  let state: 'ready' | 'exited';
  try {
    state = await eventually(async () => (exited ? 'exited' : (await isUp()) ? 'ready' : undefined), {
      timeoutMs: options.timeoutMs,
      intervalMs: 100,
      description: `docker-registry to answer GET /v2/ (log: ${options.logFile})`,
    });
  } catch (error) {
    await started.stop();
    throw error;
  }
  if (state === 'exited') {
    await started.stop();
    throw new Error(`docker-registry exited during start-up; see ${options.logFile}`);
  }
  return started;
}

function isPortClash(logFile: string): boolean {
  return existsSync(logFile) && readFileSync(logFile, 'utf8').includes('address already in use');
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const binary = ensureDebianPackage('docker-registry', 'docker-registry');
  const auth = options.auth ?? 'none';
  const users = [...(options.users ?? defaultUsers(auth))];
  const dir = tempDir('registry');
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir);
  const logFile = join(dir, 'registry.log');
  const needsCa = options.tls === true || auth === 'token';
  const ca = needsCa ? createTestCa() : undefined;
  const caPem = options.tls && ca ? ca.certPem : undefined;

  let tls: { certificate: string; key: string } | undefined;
  if (options.tls && ca) {
    const served = issueCertificate(ca, {
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    tls = { certificate: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
    writeFileSync(tls.certificate, served.certPem);
    writeFileSync(tls.key, served.keyPem, { mode: 0o600 });
  }

  const issuer =
    auth === 'token'
      ? await startTokenIssuer({
          service: TOKEN_SERVICE,
          issuer: TOKEN_ISSUER,
          users,
          publicRepositories: options.publicRepositories,
          expiresIn: options.tokenExpiresIn,
          anonymousDenial: options.tokenAnonymousDenial,
          ca,
          tls: options.tls,
        })
      : undefined;
  let authConfig: RegistryAuthConfig = { kind: 'none' };
  if (auth === 'htpasswd') {
    const path = join(dir, 'htpasswd');
    writeFileSync(path, renderHtpasswd(users), { mode: 0o600 });
    authConfig = { kind: 'htpasswd', realm: 'registry', path };
  } else if (issuer) {
    const rootCertBundle = join(dir, 'token-root.pem');
    writeFileSync(rootCertBundle, issuer.rootCertPem);
    authConfig = { kind: 'token', realm: issuer.url, service: issuer.service, issuer: issuer.issuer, rootCertBundle };
  }

  const configFile = join(dir, 'config.yml');
  const httpSecret = randomUUID();
  const scheme = options.tls ? 'https' : 'http';
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  let port = 0;
  let current: StartedProcess | undefined;
  try {
    for (let attempt = 1; current === undefined; attempt += 1) {
      port = await freePort();
      writeFileSync(configFile, renderRegistryConfig({ port, storageDir, auth: authConfig, tls, httpSecret }));
      try {
        current = await launch({ binary, configFile, logFile, url: `${scheme}://127.0.0.1:${port}`, caPem, timeoutMs });
      } catch (error) {
        // Another test may grab the port between freePort() and the registry's bind: pick another one.
        if (attempt >= 3 || !isPortClash(logFile)) throw error;
        writeFileSync(logFile, '');
      }
    }
  } catch (error) {
    await issuer?.stop();
    throw error;
  }

  const host = `127.0.0.1:${port}`;
  const url = `${scheme}://${host}`;
  let frozen = false;
  let stopped: Promise<void> | undefined;
  const thaw = (): void => {
    if (frozen && current) process.kill(current.pid, 'SIGCONT');
    frozen = false;
  };
  const accessLog = (): RegistryAccess[] =>
    existsSync(logFile) ? parseAccessLog(readFileSync(logFile, 'utf8')).filter((entry) => !isHarnessProbe(entry)) : [];

  return {
    host,
    url,
    auth,
    users,
    caPem,
    tokenIssuer: issuer ? { url: issuer.url, service: issuer.service, requests: () => issuer.requests() } : undefined,
    logFile,
    accessLog,
    settledAccessLog: async () => {
      const marker = `${FLUSH_USER_AGENT}/${randomUUID()}`;
      await sendRequest({ url: '/v2/', baseUrl: url, caPem, headers: { 'user-agent': marker } });
      await eventually(
        () =>
          parseAccessLog(readFileSync(logFile, 'utf8')).some((entry) => entry.userAgent === marker) ? true : undefined,
        { timeoutMs: 5000, description: `the registry's access log to show a marker request (log: ${logFile})` },
      );
      return accessLog();
    },
    stopTemporarily: async () => {
      thaw();
      await current?.stop();
      current = undefined;
      return {
        restart: async () => {
          if (current) return;
          try {
            current = await launch({ binary, configFile, logFile, url, caPem, timeoutMs });
          } catch (error) {
            const why = isPortClash(logFile) ? ` (port ${port} was taken meanwhile)` : '';
            throw new Error(`restarting docker-registry failed${why}; see ${logFile}`, { cause: error });
          }
        },
      };
    },
    freeze: () => {
      if (!current) throw new Error('the registry is not running');
      process.kill(current.pid, 'SIGSTOP');
      frozen = true;
    },
    thaw,
    stop: () => {
      stopped ??= (async () => {
        thaw();
        await current?.stop();
        current = undefined;
        await issuer?.stop();
        if (!process.env.PULLGUARD_KEEP_TEMP) rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Starts a registry for one tap test and stops it in the test's teardown. */
export async function useRegistry(
  t: { teardown(fn: () => unknown): void },
  options: StartRegistryOptions = {},
): Promise<TestRegistry> {
  const registry = await startRegistry(options);
  t.teardown(() => registry.stop());
  return registry;
}
