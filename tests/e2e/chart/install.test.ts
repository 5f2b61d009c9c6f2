/**
 * The chart as an operator installs it, with the server outside the cluster (url mode): `helm install` into a
 * kube-apiserver of this test's own, `pullguard serve` started with the config file from the chart's ConfigMap and
 * the chart's ServiceAccount token (so the chart's RBAC, and nothing more, is what it can do), then
 * `kubectl label ns … pullguard.dev/mode=enforce` and `kubectl apply` of a Pod whose image is missing from the
 * loopback registry, which the chart's webhook configuration sends to pullguard and pullguard rejects.
 *
 * The cluster is not shared: the chart's webhook configuration and the server's controller act on every namespace
 * labelled pullguard.dev/mode, which would reach into other test files' namespaces.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { eventually, GiveUp } from '../../harness/eventually.ts';
import { createFakeKubelet } from '../../harness/fake-kubelet.ts';
import { installChart, uninstallChart } from '../../harness/helm-chart.ts';
import { startKube, type TestKube, uniqueName } from '../../harness/kube.ts';
import { httpsGet, tailOf, track } from '../../harness/kube-process.ts';
import { repoRoot, tempDir } from '../../harness/paths.ts';
import { freePort } from '../../harness/ports.ts';
import { startProcess } from '../../harness/process.ts';
import { pushImage } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';

const kube = await startKube();
t.teardown(() => kube.stop());
const registry = await useRegistry(t);
await pushImage(registry, { repository: 'e2e/app', tag: 'v1' });
const present = `${registry.host}/e2e/app:v1`;
const missing = `${registry.host}/e2e/app:no-such-tag`;

const dir = tempDir('chart-e2e');
t.teardown(() => {
  if (t.passing() && !process.env.PULLGUARD_KEEP_TEMP) rmSync(dir, { recursive: true, force: true });
});

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const result = await kube.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A kubeconfig for the chart's ServiceAccount: its token from the TokenRequest API, nothing of the admin's. */
async function serviceAccountKubeconfig(kube: TestKube, namespace: string, account: string): Promise<string> {
  const token = (await kubectlOk(['create', 'token', account, '-n', namespace, '--duration=1h'])).trim();
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'e2e',
        cluster: { server: kube.server, 'certificate-authority-data': Buffer.from(kube.caPem).toString('base64') },
      },
    ],
    users: [{ name: account, user: { token } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: account, namespace } }],
    'current-context': 'e2e',
  };
  const path = join(dir, 'service-account.kubeconfig');
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

const release = 'pg';
const fullname = `${release}-pullguard`;
const namespace = await kube.createNamespace('pullguard');
const port = await freePort();
const url = `https://127.0.0.1:${port}`;

const installed = await installChart(
  {
    release,
    namespace,
    values: {
      server: { host: '127.0.0.1', port },
      tls: { extraIPs: ['127.0.0.1'] },
      registries: { hosts: { [registry.host]: { insecureHttp: true } } },
      controller: { resyncSeconds: 10 },
      admissionWebhooks: { url, failurePolicy: 'Fail', mutating: { enabled: true } },
      log: { level: 'debug' },
    },
  },
  kube.kubeconfigPath,
);

if (installed.code !== 0) throw new Error(`helm install failed: ${installed.stderr}`);

// The server runs outside the cluster with what the chart gave it: the ConfigMap's config and the SA's token.
const configFile = join(dir, 'config.yaml');
writeFileSync(
  configFile,
  await kubectlOk(['get', 'configmap', fullname, '-n', namespace, '-o', 'jsonpath={.data.config\\.yaml}']),
);
const kubeconfig = await serviceAccountKubeconfig(kube, namespace, fullname);
const logFile = join(dir, 'pullguard.log');
const server = track(
  startProcess({
    name: 'pullguard serve',
    command: process.execPath,
    args: [join(repoRoot, 'bin', 'pullguard.js'), 'serve', '--config', configFile, '--kubeconfig', kubeconfig],
    logFile,
    cwd: repoRoot,
  }),
);
t.teardown(async () => {
  await server.stop();
  if (!t.passing()) t.comment(`pullguard serve log:\n${tailOf(logFile, 60)}`);
});
let exited = false;
void server.exited.then(() => {
  exited = true;
});

const caBundle = await eventually(
  async () => {
    if (exited) throw new GiveUp(`pullguard serve exited:\n${tailOf(logFile)}`);
    const value = await kube.kubectl([
      'get',
      'validatingwebhookconfiguration',
      fullname,
      '-o',
      'jsonpath={.webhooks[0].clientConfig.caBundle}',
    ]);
    return value.code === 0 && value.stdout.length > 0 ? Buffer.from(value.stdout, 'base64').toString() : undefined;
  },
  { timeoutMs: 60_000, intervalMs: 200, description: 'pullguard to put its CA into the chart webhooks (caBundle)' },
);

const app = await kube.createNamespace('app');

t.test('helm install in url mode prints how to opt a namespace in', async (t) => {
  t.equal(installed.code, 0, installed.stderr);
  t.match(installed.stdout, /kubectl label namespace <name> pullguard\.dev\/mode=enforce/);
  t.match(installed.stdout, /pullguard serve --config/);
});
t.test('with the chart RBAC the server gets ready, manages its Secret, caBundles and Lease', async (t) => {
  // Ready means every informer (Secrets, ServiceAccounts, Pods, Namespaces, Events) listed and watched.
  const ready = await eventually(
    async () => {
      if (exited) throw new GiveUp(`pullguard serve exited:\n${tailOf(logFile)}`);
      const answer = await httpsGet(`${url}/readyz`, { ca: caBundle });
      return answer.status === 200 ? answer : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, description: 'pullguard /readyz with the caBundle as the trusted CA' },
  );
  t.equal(ready.status, 200);
  const webhooks = JSON.parse(
    await kubectlOk(['get', 'mutatingwebhookconfiguration', fullname, '-o', 'jsonpath={.webhooks}']),
  ) as { clientConfig: { caBundle?: string } }[];
  t.ok(
    webhooks.every((webhook) => Buffer.from(webhook.clientConfig.caBundle ?? '', 'base64').toString() === caBundle),
    'the mutating webhooks carry the same CA',
  );
  const secretType = await kubectlOk(['get', 'secret', `${fullname}-tls`, '-n', namespace, '-o', 'jsonpath={.type}']);
  t.equal(secretType, 'kubernetes.io/tls');
  const holder = await eventually(
    async () => {
      const lease = await kube.kubectl([
        'get',
        'lease',
        'pullguard-controller',
        '-n',
        namespace,
        '-o',
        'jsonpath={.spec.holderIdentity}',
      ]);
      return lease.code === 0 && lease.stdout ? lease.stdout : undefined;
    },
    { timeoutMs: 30_000, description: 'the controller to take its Lease' },
  );
  t.ok(holder, `the controller leads (${holder})`);
});

t.test('kubectl label ns … pullguard.dev/mode=enforce, then a missing image is rejected', async (t) => {
  await kubectlOk(['label', 'namespace', app, 'pullguard.dev/mode=enforce']);
  const pod = (name: string, image: string) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: app },
      spec: { containers: [{ name: 'app', image }] },
    });
  const rejected = await kube.kubectl(['apply', '-f', '-'], { input: pod('missing', missing) });
  t.not(rejected.code, 0, 'kubectl apply fails');
  t.match(rejected.stderr, /admission webhook "enforce\.pullguard\.dev" denied the request/);
  t.match(rejected.stderr, new RegExp(`spec\\.containers\\[0\\]\\.image "${missing.replaceAll('.', '\\.')}"`));
  t.match(rejected.stderr, /not found/);

  const accepted = await kube.kubectl(['apply', '-f', '-'], { input: pod('present', present) });
  t.equal(accepted.code, 0, `a Pod whose image exists is admitted: ${accepted.stderr}`);

  const workload = JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'missing', namespace: app },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: missing }] } } },
  });
  const job = await kube.kubectl(['apply', '-f', '-'], { input: workload });
  t.not(job.code, 0, 'a Job whose template names a missing image is rejected too');
  t.match(job.stderr, /spec\.template\.spec\.containers\[0\]\.image/);
});

t.test('the controller, with the chart RBAC, fails a Pod stuck on its image', async (t) => {
  const kubelet = createFakeKubelet({ kubeconfigPath: kube.kubeconfigPath, nodeName: uniqueName('node') });
  const name = 'stuck';
  const created = await kube.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: app },
      spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: present }] },
    }),
  });
  t.equal(created.code, 0, created.stderr);
  await kubelet.bind(app, name);
  await kubelet.setState(app, name, 'app', { waiting: { reason: 'InvalidImageName', message: 'invalid reference' } });
  const failed: V1Pod = await eventually(
    async () => {
      const pod = await kubelet.core.readNamespacedPod({ namespace: app, name });
      return pod.status?.phase === 'Failed' ? pod : undefined;
    },
    { timeoutMs: 30_000, description: 'the stuck Pod to be failed' },
  );
  t.match(
    failed.status?.conditions?.find((condition) => condition.type === 'ImagePullFailed'),
    { status: 'True', reason: 'InvalidImageName' },
    'pods/status patch',
  );
  // The deadline patch follows the status patch: a read between the two sees Failed without it.
  const deadline = await eventually(
    async () => (await kubelet.core.readNamespacedPod({ namespace: app, name })).spec?.activeDeadlineSeconds,
    { timeoutMs: 15_000, description: 'activeDeadlineSeconds to be lowered' },
  );
  t.type(deadline, 'number', 'pods patch (activeDeadlineSeconds of a bound Pod)');
  const event = await eventually(
    async () => {
      const list = await kubelet.core.listNamespacedEvent({
        namespace: app,
        fieldSelector: `involvedObject.name=${name}`,
      });
      return list.items.find((item) => item.source?.component === 'pullguard');
    },
    { timeoutMs: 15_000, description: "pullguard's Event about the Pod" },
  );
  t.equal(event.type, 'Warning', 'events create');
});

t.test('the server was never refused by the API server (no missing RBAC)', async (t) => {
  const log = readFileSync(logFile, 'utf8');
  t.notMatch(log, /forbidden/i, 'no request was forbidden');
});

t.test('helm uninstall removes the webhook configurations', async (t) => {
  await server.stop();
  const removed = await uninstallChart({ release, namespace }, kube.kubeconfigPath);
  t.equal(removed.code, 0, removed.stderr);
  const left = await kube.kubectl(['get', 'validatingwebhookconfiguration', fullname]);
  t.not(left.code, 0, 'the ValidatingWebhookConfiguration is gone');
  const pod = await kube.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'after-uninstall', namespace: app },
      spec: { containers: [{ name: 'app', image: missing }] },
    }),
  });
  t.equal(pod.code, 0, 'with pullguard gone, nothing is reviewed');
});
