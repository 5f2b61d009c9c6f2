/**
 * `serve` against a real kube-apiserver: the certificate Secret, the caBundle, the pull-secret informers behind
 * admission and the controller's Lease, all from one startServe. The cluster is this file's own (an extra apiserver
 * flag keeps it from being shared), because the controller acts on every opted-in namespace it can see.
 */
import t from 'tap';
import { parseConfigObject } from '../../../server/config/index.ts';
import { loadKubeConfig } from '../../../server/kube/kube-config.ts';
import { createLogger } from '../../../server/log/logger.ts';
import { startServe } from '../../../server/serve/compose.ts';
import { eventually } from '../../harness/eventually.ts';
import { uniqueName, useKube } from '../../harness/kube.ts';
import { createLogSink } from '../../helpers/log-sink.ts';
import { loadReview } from '../../unit/admission/helpers/fixtures.ts';
import { callHttp1 } from '../../unit/http/helpers/tls-client.ts';

const kube = await useKube(t, { apiserverArgs: ['--profiling=false'] });
const namespace = await kube.createNamespace('serve');
const webhookName = uniqueName('pullguard');
const secretName = uniqueName('tls');
const leaseName = uniqueName('lease');

async function kubectlApply(manifest: unknown): Promise<void> {
  const result = await kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

// A webhook configuration that selects nothing (no namespace carries the label): only its caBundle matters here.
await kubectlApply({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name: webhookName },
  webhooks: [
    {
      name: 'enforce.pullguard.dev',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      clientConfig: { service: { namespace, name: 'pullguard', path: '/validate/enforce' } },
      namespaceSelector: { matchLabels: { [`pullguard.test/${webhookName}`]: 'never' } },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
    },
  ],
});
t.teardown(async () => {
  await kube.kubectl(['delete', 'validatingwebhookconfiguration', webhookName, '--ignore-not-found']);
});

// A docker-config Secret the kubelet could not decode (URL-safe base64 in `auth`): admission must see it.
await kubectlApply({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'broken-regcred', namespace },
  type: 'kubernetes.io/dockerconfigjson',
  stringData: { '.dockerconfigjson': JSON.stringify({ auths: { '127.0.0.1:1': { auth: 'dXNlcj-_cGFzcw' } } }) },
});

const log = createLogSink();
const running = await startServe({
  config: parseConfigObject({
    server: { host: '127.0.0.1', port: 0 },
    tls: { namespace, secretName, webhookConfigurations: [webhookName], extraIPs: ['127.0.0.1'] },
    controller: { enabled: true, leaseName, action: 'report' },
  }),
  logger: createLogger({ level: 'info', destination: log.stream }),
  kubeConfig: loadKubeConfig({ path: kube.kubeconfigPath }).kubeConfig,
  defaultMetrics: false,
});
t.teardown(() => running.close());

t.test('ready once the informers and the controller have synced', async (t) => {
  const reasons = await eventually(() => (running.readiness().length === 0 ? [] : undefined), {
    timeoutMs: 60_000,
    description: `readiness (still: ${running.readiness().join(', ')})`,
  });
  t.same(reasons, []);
  const ca = running.caPem() ?? '';
  const reply = await callHttp1({ port: running.port, ca, method: 'GET', path: '/readyz' });
  t.equal(reply.status, 200);
});

t.test('the serving certificate lives in the Secret and its CA in the caBundle', async (t) => {
  const secret = await kube.kubectl(['get', 'secret', secretName, '-n', namespace, '-o', 'json']);
  t.equal(secret.code, 0, secret.stderr);
  const stored = JSON.parse(secret.stdout);
  t.equal(stored.type, 'kubernetes.io/tls');
  t.equal(Buffer.from(stored.data['ca.crt'], 'base64').toString('utf8'), running.caPem());

  const caBundle = await eventually(
    async () => {
      const result = await kube.kubectl(['get', 'validatingwebhookconfiguration', webhookName, '-o', 'json']);
      return JSON.parse(result.stdout).webhooks?.[0]?.clientConfig?.caBundle as string | undefined;
    },
    { timeoutMs: 30_000, description: 'the caBundle patch' },
  );
  t.equal(Buffer.from(caBundle, 'base64').toString('utf8'), running.caPem());
});

t.test("admission reads the Pod's pull secrets through the informers", async (t) => {
  const review = loadReview('pod-create');
  review.request.namespace = namespace;
  const spec = review.request.object.spec;
  spec.initContainers = [];
  spec.volumes = [];
  spec.containers = [{ name: 'app', image: '127.0.0.1:1/acme/app:v1' }];
  spec.imagePullSecrets = [{ name: 'broken-regcred' }];
  const reply = await eventually(
    async () => {
      const answer = await callHttp1({
        port: running.port,
        ca: running.caPem() ?? '',
        method: 'POST',
        path: '/validate/enforce',
        body: JSON.stringify(review),
      });
      const response = JSON.parse(answer.body).response;
      return response.allowed === false ? response : undefined;
    },
    { timeoutMs: 30_000, description: 'a denial naming the undecodable secret' },
  );
  t.match(reply.status.message, /broken-regcred/);
});

t.test("the controller holds its Lease in pullguard's namespace", async (t) => {
  const lease = await eventually(
    async () => {
      const result = await kube.kubectl(['get', 'lease', leaseName, '-n', namespace, '-o', 'json']);
      return result.code === 0 ? JSON.parse(result.stdout) : undefined;
    },
    { timeoutMs: 60_000, description: 'the controller Lease' },
  );
  t.type(lease.spec?.holderIdentity, 'string');
  const metrics = await callHttp1({ port: running.port, ca: running.caPem() ?? '', method: 'GET', path: '/metrics' });
  t.match(metrics.body, /pullguard_informer_restarts_total\{informer="secrets"\} 0/);
});

t.test('close stops everything and says so', async (t) => {
  await running.close();
  t.ok(log.lines().some((line) => line.msg === 'shut down'));
  t.notOk(log.text().includes('dXNlcj-_cGFzcw'), 'the secret data never reached the log');
});
