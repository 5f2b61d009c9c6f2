/**
 * One connection pool per cluster and client identity, instead of one per request. client-node 2.0.1 builds a new
 * undici Agent for every API call and every watch (KubeConfig.applySecurityAuthentication → createDispatcher), so
 * each status patch and each Event paid a TCP connect and a TLS handshake with the client certificate, and the
 * abandoned Agents kept their sockets open until the idle timeout. Measured on the benchmark's apiserver: a status
 * patch took 60–150 ms under the controller's load instead of a few ms on a reused connection.
 *
 * The Agent client-node would build is kept and handed out again while the TLS material that made it (CA, client
 * certificate and key, server name, verification) stays the same; when it changes (a rotated certificate file),
 * a new Agent is made and the old one closes once its requests (watches included) have ended.
 */
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

/** client-node's private `createDispatcher(cluster, agentOptions)`: what it calls for each request. */
type DispatcherFactory = (cluster: unknown, agentOptions: Record<string, unknown>) => unknown;

interface Pooled {
  readonly key: string;
  readonly dispatcher: unknown;
}

/** The fields of client-node's agent options that shape a connection (see createDispatcherOptions). */
const CONNECTION_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * Makes `kubeConfig` reuse its connections; returns it. Does nothing when client-node no longer has the method
 * this relies on (a later version may pool by itself): requests then work as before, only slower.
 */
export function shareConnections(kubeConfig: KubeConfig): KubeConfig {
  const target = kubeConfig as unknown as { createDispatcher?: DispatcherFactory };
  const create = target.createDispatcher;
  if (typeof create !== 'function') return kubeConfig;
  let pooled: Pooled | undefined;
  target.createDispatcher = function sharedDispatcher(cluster, agentOptions) {
    const key = connectionKey(cluster, agentOptions);
    if (pooled?.key === key) return pooled.dispatcher;
    const dispatcher = create.call(this, cluster, agentOptions);
    if (dispatcher === undefined) return undefined;
    closeGracefully(pooled?.dispatcher);
    pooled = { key, dispatcher };
    return dispatcher;
  };
  return kubeConfig;
}

/** A digest of where a connection goes and the TLS material it presents: equal keys can share a connection. */
export function connectionKey(cluster: unknown, agentOptions: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  const where = cluster as { name?: unknown; server?: unknown; proxyUrl?: unknown } | null | undefined;
  hash.update(JSON.stringify([where?.name ?? '', where?.server ?? '', where?.proxyUrl ?? '']));
  for (const field of CONNECTION_FIELDS) {
    const value = agentOptions[field];
    hash.update(`\0${field}=`);
    if (value === undefined || value === null) hash.update('-');
    else if (typeof value === 'string' || Buffer.isBuffer(value)) hash.update(value);
    else hash.update(JSON.stringify(value) ?? String(value));
  }
  return hash.digest('base64');
}

function closeGracefully(dispatcher: unknown): void {
  const closable = dispatcher as { close?: () => Promise<void> } | undefined;
  if (typeof closable?.close !== 'function') return;
  closable.close().catch(() => undefined);
}
