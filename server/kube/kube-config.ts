/**
 * Where pullguard's KubeConfig comes from, in order: an explicit path, then KUBECONFIG, then the in-cluster
 * service-account mount. The environment is passed in (only main reads process.env), so tests can aim each source at
 * a real apiserver. No fall-back to ~/.kube/config or localhost:8080: a server must never guess its cluster.
 * Every KubeConfig returned reuses its connections (shared-connections.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../errors.ts';
import { shareConnections } from './shared-connections.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSources {
  /** An explicit kubeconfig file (flag or config file); when given, nothing else is tried. */
  readonly path?: string | undefined;
  /** The process environment: KUBECONFIG, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT are read. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The service-account mount (token, ca.crt, namespace); tests point it at a folder of their own. */
  readonly serviceAccountDir?: string | undefined;
}

export type KubeConfigOrigin = 'path' | 'KUBECONFIG' | 'in-cluster';

export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  readonly origin: KubeConfigOrigin;
  /** The server URL of the current context. */
  readonly server: string;
  /** The namespace of the current context, or the pod's own namespace in-cluster. */
  readonly namespace: string | undefined;
}

export function loadKubeConfig(sources: KubeConfigSources = {}): LoadedKubeConfig {
  const env = sources.env ?? {};
  if (sources.path !== undefined && sources.path !== '') return fromFiles([sources.path], 'path');
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (fromEnv.length > 0) return fromFiles(fromEnv, 'KUBECONFIG');
  const dir = sources.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host && port && existsSync(join(dir, 'token'))) return inCluster(host, port, dir);
  throw new ConfigError(
    'no Kubernetes configuration: give a kubeconfig path, set KUBECONFIG, or run in a cluster ' +
      `(KUBERNETES_SERVICE_HOST/PORT set and a token in ${dir})`,
  );
}

function fromFiles(files: readonly string[], origin: KubeConfigOrigin): LoadedKubeConfig {
  const [first, ...rest] = files as [string, ...string[]];
  const kubeConfig = readKubeconfigFile(first);
  for (const file of rest) {
    try {
      kubeConfig.mergeConfig(readKubeconfigFile(file), true);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`kubeconfig ${file} cannot be merged: ${safeReason(error)}`);
    }
  }
  return describe(shareConnections(kubeConfig), origin, files.join(delimiter));
}

function readKubeconfigFile(file: string): KubeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError(`kubeconfig ${file} cannot be read (${code})`, { cause: error });
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(text);
    kubeConfig.makePathsAbsolute(dirname(file));
  } catch (error) {
    // No cause: YAML errors quote the text around the fault, which may be a token or a key.
    throw new ConfigError(`kubeconfig ${file} cannot be parsed: ${safeReason(error)}`);
  }
  return kubeConfig;
}

function inCluster(host: string, port: string, dir: string): LoadedKubeConfig {
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const caFile = join(dir, 'ca.crt');
  if (scheme === 'https' && !existsSync(caFile)) {
    throw new ConfigError(`in-cluster configuration: ${caFile} is missing`);
  }
  const namespaceFile = join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() || undefined : undefined;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile, skipTLSVerify: false }],
    // client-node's tokenFile provider re-reads the file every minute, so projected tokens can rotate.
    users: [{ name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', namespace }],
    currentContext: 'in-cluster',
  });
  return { kubeConfig: shareConnections(kubeConfig), origin: 'in-cluster', server, namespace };
}

function describe(kubeConfig: KubeConfig, origin: KubeConfigOrigin, where: string): LoadedKubeConfig {
  const name = kubeConfig.getCurrentContext();
  const context = name ? kubeConfig.getContextObject(name) : null;
  if (!context)
    throw new ConfigError(`kubeconfig ${where} has no current context${name ? ` ("${name}" is not defined)` : ''}`);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) throw new ConfigError(`kubeconfig ${where}: context "${context.name}" names no cluster`);
  if (!kubeConfig.getCurrentUser())
    throw new ConfigError(`kubeconfig ${where}: context "${context.name}" names no user`);
  return { kubeConfig, origin, server: cluster.server, namespace: context.namespace };
}

/** The reason of a parse error without the excerpt js-yaml appends (it may quote a credential). */
function safeReason(error: unknown): string {
  if (error && typeof error === 'object' && 'reason' in error && typeof error.reason === 'string') {
    const mark = 'mark' in error ? (error.mark as { line?: unknown } | undefined) : undefined;
    return typeof mark?.line === 'number' ? `${error.reason} (line ${mark.line + 1})` : error.reason;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
}
