/** Shared bits of the kube integration tests: an admin client, a namespace of the test's own, pull secrets. */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { TestKube } from '../../harness/kube.ts';

interface TestContext {
  teardown(fn: () => unknown): void;
}

export function adminKubeConfig(kube: TestKube): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(kube.kubeconfigPath);
  return config;
}

/** A namespace deleted after the test (the shared cluster outlives it). */
export async function ownNamespace(t: TestContext, kube: TestKube, prefix: string): Promise<string> {
  const namespace = await kube.createNamespace(prefix);
  const core = adminKubeConfig(kube).makeApiClient(CoreV1Api);
  t.teardown(() => core.deleteNamespace({ name: namespace }).catch(() => undefined));
  return namespace;
}

/** A `kubernetes.io/dockerconfigjson` Secret for one registry. */
export function dockerConfigSecret(
  namespace: string,
  name: string,
  registry: string,
  username: string,
  password: string,
): V1Secret {
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  const config = { auths: { [registry]: { username, password, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace, name },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}

/** A Pod no scheduler will place (this cluster has no nodes): it stays Pending. */
export function pendingPod(namespace: string, name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name },
    spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
  };
}

/**
 * A TCP pass-through to the apiserver on a loopback port, whose connections a test can cut and refuse: the network
 * failing under a live watch, with the real apiserver on the other side (TLS passes through untouched).
 */
export interface CuttableLink {
  readonly url: string;
  /** Drops every open connection; while `refusing`, new ones are dropped at once. */
  cut(): void;
  refusing: boolean;
  close(): Promise<void>;
}

export async function cuttableLink(target: string): Promise<CuttableLink> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  let refusing = false;
  const server = createServer((client) => {
    track(client);
    if (refusing) {
      client.destroy();
      return;
    }
    const toApiserver = connect(Number(upstream.port), upstream.hostname);
    track(toApiserver);
    client.pipe(toApiserver).pipe(client);
    client.on('close', () => toApiserver.destroy());
    toApiserver.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    cut,
    get refusing() {
      return refusing;
    },
    set refusing(value: boolean) {
      refusing = value;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The admin KubeConfig, aimed at another server URL (e.g. a CuttableLink). */
export function adminKubeConfigVia(kube: TestKube, server: string): KubeConfig {
  const base = adminKubeConfig(kube);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: base.getClusters().map((cluster) => ({ ...cluster, server })),
    users: base.getUsers(),
    contexts: base.getContexts(),
    currentContext: base.getCurrentContext(),
  });
  return config;
}
