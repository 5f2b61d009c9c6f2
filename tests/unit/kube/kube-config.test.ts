import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import t from 'tap';
import { ConfigError } from '../../../server/errors.ts';
import { loadKubeConfig } from '../../../server/kube/kube-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'pullguard-kubeconfig-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, server: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, name);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority': 'ca.pem' } }],
    users: [{ name, user: { token: 'not-a-real-token' } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'team-a' } }],
    'current-context': name,
    ...extra,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const first = kubeconfig('first', 'https://first.example:6443');
const second = kubeconfig('second', 'https://second.example:6443');

t.test('an explicit path wins over KUBECONFIG and in-cluster', async (t) => {
  const loaded = loadKubeConfig({
    path: first,
    env: { KUBECONFIG: second, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
  });
  t.equal(loaded.origin, 'path');
  t.equal(loaded.server, 'https://first.example:6443');
  t.equal(loaded.namespace, 'team-a');
  t.equal(loaded.kubeConfig.getCurrentCluster()?.caFile, join(dir, 'ca.pem'), 'relative paths resolved from the file');
});

t.test('KUBECONFIG: the first file sets the context, later files add to it', async (t) => {
  const loaded = loadKubeConfig({ env: { KUBECONFIG: [first, '', second].join(delimiter) } });
  t.equal(loaded.origin, 'KUBECONFIG');
  t.equal(loaded.server, 'https://first.example:6443');
  t.same(
    loaded.kubeConfig.getClusters().map((c) => c.name),
    ['first', 'second'],
  );
});

t.test('in-cluster: host and port from the environment, token and CA from the mount', async (t) => {
  const mount = mkdtempSync(join(dir, 'sa-'));
  writeFileSync(join(mount, 'token'), 'token');
  writeFileSync(join(mount, 'ca.crt'), 'ca');
  writeFileSync(join(mount, 'namespace'), 'pullguard\n');
  const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
  const loaded = loadKubeConfig({ env, serviceAccountDir: mount });
  t.equal(loaded.origin, 'in-cluster');
  t.equal(loaded.server, 'https://[fd00::1]:443');
  t.equal(loaded.namespace, 'pullguard');
  t.equal(loaded.kubeConfig.getCurrentCluster()?.caFile, join(mount, 'ca.crt'));
  t.same(loaded.kubeConfig.getCurrentUser()?.authProvider, {
    name: 'tokenFile',
    config: { tokenFile: join(mount, 'token') },
  });

  rmSync(join(mount, 'ca.crt'));
  t.throws(() => loadKubeConfig({ env, serviceAccountDir: mount }), { name: 'ConfigError', message: /ca\.crt/ });
});

t.test('nothing usable is a ConfigError that says what was tried', async (t) => {
  const cases: [string, Parameters<typeof loadKubeConfig>[0]][] = [
    ['no sources at all', { env: {}, serviceAccountDir: join(dir, 'none') }],
    [
      'env without a token mount',
      { env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir },
    ],
  ];
  for (const [what, sources] of cases) {
    t.throws(
      () => loadKubeConfig(sources),
      { name: 'ConfigError', code: 'CONFIG_INVALID', message: /KUBECONFIG/ },
      what,
    );
  }
});

t.test('bad files name the file and never quote it', async (t) => {
  const broken = join(dir, 'broken');
  writeFileSync(broken, 'users:\n- name: x\n  user: {token: "s3cr3t-token-value"\n');
  const noContext = kubeconfig('no-context', 'https://x:6443', { 'current-context': 'missing' });
  const cases: [string, string, RegExp][] = [
    ['missing', join(dir, 'absent'), /absent cannot be read \(ENOENT\)/],
    ['unparsable', broken, /broken cannot be parsed/],
    ['unknown current context', noContext, /has no current context \("missing" is not defined\)/],
  ];
  for (const [what, path, message] of cases) {
    const error = t.throws(() => loadKubeConfig({ path }), ConfigError, what) as unknown as Error;
    t.match(error.message, message, what);
    t.notMatch(error.message, /s3cr3t/, `${what}: no file content in the message`);
    t.notMatch(String(error.cause ?? ''), /s3cr3t/, `${what}: nor in the cause`);
  }
});
