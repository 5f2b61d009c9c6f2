import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { connectionKey, shareConnections } from '../../../server/kube/shared-connections.ts';

/** The part of client-node's RequestContext that applySecurityAuthentication writes to. */
function fakeContext() {
  const headers: Record<string, string> = {};
  let dispatcher: unknown;
  return {
    headers,
    dispatcher: () => dispatcher,
    setHeaderParam: (key: string, value: string) => {
      headers[key] = value;
    },
    setDispatcher: (value: unknown) => {
      dispatcher = value;
    },
  };
}

function kubeConfig(user: { token?: string; certData?: string; keyData?: string }): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: 'https://127.0.0.1:6443',
        caData: Buffer.from('ca').toString('base64'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

async function dispatcherOf(config: KubeConfig): Promise<unknown> {
  const context = fakeContext();
  await config.applySecurityAuthentication(
    context as unknown as Parameters<KubeConfig['applySecurityAuthentication']>[0],
  );
  return context.dispatcher();
}

t.test('client-node alone builds a new connection pool for every request', async (t) => {
  const config = kubeConfig({ token: 'a' });
  const first = await dispatcherOf(config);
  t.ok(first, 'a dispatcher is set');
  t.not(await dispatcherOf(config), first);
});

t.test(
  'shared: every request of one KubeConfig gets the same pool, and headers are still set per request',
  async (t) => {
    const config = shareConnections(kubeConfig({ token: 'a' }));
    const first = await dispatcherOf(config);
    t.equal(await dispatcherOf(config), first);
    const context = fakeContext();
    await config.applySecurityAuthentication(
      context as unknown as Parameters<KubeConfig['applySecurityAuthentication']>[0],
    );
    t.equal(context.headers.Authorization, 'Bearer a');
    await (first as { close(): Promise<void> }).close();
  },
);

t.test('new TLS material (a rotated client certificate) gets a new pool', async (t) => {
  const config = shareConnections(
    kubeConfig({ certData: Buffer.from('cert-1').toString('base64'), keyData: Buffer.from('key').toString('base64') }),
  );
  const first = await dispatcherOf(config);
  const user = config.getCurrentUser() as { certData?: string };
  user.certData = Buffer.from('cert-2').toString('base64');
  const second = await dispatcherOf(config);
  t.not(second, first);
  t.equal(await dispatcherOf(config), second);
  await (second as { close(): Promise<void> }).close();
});

t.test('connectionKey: equal material, equal key; any difference, another key', async (t) => {
  const cluster = { name: 'c', server: 'https://a:6443' };
  const base = { ca: Buffer.from('ca'), cert: Buffer.from('cert'), key: Buffer.from('key') };
  t.equal(connectionKey(cluster, base), connectionKey({ ...cluster }, { ...base, cert: Buffer.from('cert') }));
  const variants: Record<string, unknown>[] = [
    { ...base, cert: Buffer.from('other') },
    { ...base, key: Buffer.from('other') },
    { ...base, ca: Buffer.from('other') },
    { ...base, servername: 'b' },
    { ...base, rejectUnauthorized: false },
  ];
  const keys = new Set([connectionKey(cluster, base), ...variants.map((options) => connectionKey(cluster, options))]);
  keys.add(connectionKey({ ...cluster, server: 'https://b:6443' }, base));
  t.equal(keys.size, variants.length + 2);
});
