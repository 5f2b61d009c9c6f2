/**
 * The certificate store and caBundle reconcile against a real kube-apiserver, through the client-node adapters:
 * real 409s on create and on a stale resourceVersion, real JSON patches with `test` ops.
 */
import { X509Certificate } from 'node:crypto';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  KubeConfig,
  type V1MutatingWebhook,
  type V1ValidatingWebhook,
} from '@kubernetes/client-node';
import t from 'tap';
import { encodeCaBundle } from '../../../server/certs/ca-bundle.ts';
import { reconcileCaBundle } from '../../../server/certs/ca-bundle-reconcile.ts';
import { createKubeSecretApi } from '../../../server/certs/kube-secret-api.ts';
import { createKubeWebhookConfigApi } from '../../../server/certs/kube-webhook-config-api.ts';
import { SECRET_KEYS } from '../../../server/certs/secret-api.ts';
import { ensureCertificateSecret } from '../../../server/certs/secret-store.ts';
import { uniqueName, useKube } from '../../harness/kube.ts';

const DAY = 24 * 60 * 60 * 1000;
const kube = await useKube(t);
const config = new KubeConfig();
config.loadFromFile(kube.kubeconfigPath);
const core = config.makeApiClient(CoreV1Api);
const admission = config.makeApiClient(AdmissionregistrationV1Api);
const namespace = await kube.createNamespace('certs');
t.teardown(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

const serving = { serviceName: 'pullguard', namespace, ipAddresses: ['127.0.0.1'] };
const labels = { 'app.kubernetes.io/managed-by': 'pullguard' };

/** A replica: its own adapter over its own client, as two pods would have. */
function replica(name: string, now: () => Date = () => new Date()) {
  const ownConfig = new KubeConfig();
  ownConfig.loadFromFile(kube.kubeconfigPath);
  const api = createKubeSecretApi(ownConfig.makeApiClient(CoreV1Api), { labels });
  return () => ensureCertificateSecret({ api, namespace, name, serving, now });
}

t.test('first start creates the Secret, a second instance reuses it', async (t) => {
  const name = uniqueName('tls');
  const first = await replica(name)();
  t.equal(first.action, 'created');

  const secret = await core.readNamespacedSecret({ namespace, name });
  t.equal(secret.type, 'kubernetes.io/tls');
  t.same(secret.metadata?.labels, labels);
  t.same(Object.keys(secret.data ?? {}).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
  t.equal(Buffer.from(secret.data?.[SECRET_KEYS.cert] ?? '', 'base64').toString(), first.bundle.certPem);

  const second = await replica(name)();
  t.equal(second.action, 'reused');
  t.equal(second.bundle.certPem, first.bundle.certPem);
  t.equal(second.bundle.caPem, first.bundle.caPem);
});

t.test('replicas starting together end up with one certificate', async (t) => {
  const name = uniqueName('tls-race');
  const results = await Promise.all([replica(name)(), replica(name)(), replica(name)()]);
  t.same(results.map((r) => r.action).sort(), ['created', 'reused', 'reused']);
  t.equal(new Set(results.map((r) => r.bundle.certPem)).size, 1);
});

t.test('renewal replaces under the resourceVersion; a stale write is a conflict', async (t) => {
  const name = uniqueName('tls-renew');
  const created = await replica(name)();
  const later = new Date(Date.now() + 340 * DAY);
  const renewed = await replica(name, () => later)();
  t.equal(renewed.action, 'renewed');
  t.equal(renewed.bundle.caPem, created.bundle.caPem);
  t.not(
    new X509Certificate(renewed.bundle.certPem).serialNumber,
    new X509Certificate(created.bundle.certPem).serialNumber,
  );

  const api = createKubeSecretApi(core);
  const stale = await api.replace(namespace, name, { 'tls.crt': 'x', 'tls.key': 'y' }, created.resourceVersion);
  t.same(stale, { outcome: 'conflict' }, 'the apiserver refuses the old resourceVersion');
  t.equal((await api.read(namespace, name))?.data[SECRET_KEYS.cert], renewed.bundle.certPem);
  t.equal(await api.read(namespace, uniqueName('absent')), undefined);
});

t.test('the CA is patched into real webhook configurations, once', async (t) => {
  const name = uniqueName('pullguard-certs');
  // Inert on a shared cluster: they only match ConfigMaps carrying a label nobody sets, and fail open.
  const webhook = (hookName: string) => ({
    name: hookName,
    clientConfig: { url: 'https://127.0.0.1:9/never' },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
    objectSelector: { matchLabels: { 'pullguard.dev/never': name } },
    failurePolicy: 'Ignore',
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    timeoutSeconds: 1,
  });
  await admission.createValidatingWebhookConfiguration({
    body: {
      metadata: { name },
      webhooks: [
        webhook('enforce.pullguard.dev'),
        webhook('warn.pullguard.dev'),
        webhook('other.example.com'),
      ] as V1ValidatingWebhook[],
    },
  });
  await admission.createMutatingWebhookConfiguration({
    body: { metadata: { name }, webhooks: [webhook('mutate.pullguard.dev')] as V1MutatingWebhook[] },
  });
  t.teardown(async () => {
    await admission.deleteValidatingWebhookConfiguration({ name }).catch(() => undefined);
    await admission.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
  });

  const { bundle } = await replica(uniqueName('tls-ca'))();
  const api = createKubeWebhookConfigApi(admission);
  const validating = {
    kind: 'ValidatingWebhookConfiguration',
    name,
    webhookNames: ['enforce.pullguard.dev', 'warn.pullguard.dev'],
  } as const;

  t.same(await reconcileCaBundle(api, validating, bundle.caPem), {
    outcome: 'patched',
    updated: ['enforce.pullguard.dev', 'warn.pullguard.dev'],
    missing: [],
  });
  const read = await admission.readValidatingWebhookConfiguration({ name });
  t.same(
    read.webhooks?.map((w) => [w.name, w.clientConfig.caBundle]),
    [
      ['enforce.pullguard.dev', encodeCaBundle(bundle.caPem)],
      ['warn.pullguard.dev', encodeCaBundle(bundle.caPem)],
      ['other.example.com', undefined],
    ],
    'only the named webhooks carry the CA',
  );
  const version = read.metadata?.resourceVersion;
  t.same(await reconcileCaBundle(api, validating, bundle.caPem), { outcome: 'unchanged', updated: [], missing: [] });
  t.equal(
    (await admission.readValidatingWebhookConfiguration({ name })).metadata?.resourceVersion,
    version,
    'no write',
  );

  t.same(await reconcileCaBundle(api, { kind: 'MutatingWebhookConfiguration', name }, bundle.caPem), {
    outcome: 'patched',
    updated: ['mutate.pullguard.dev'],
    missing: [],
  });
  const mutating = await admission.readMutatingWebhookConfiguration({ name });
  t.equal(mutating.webhooks?.[0]?.clientConfig.caBundle, encodeCaBundle(bundle.caPem));

  const failedTest = await api.patch('ValidatingWebhookConfiguration', name, [
    { op: 'test', path: '/webhooks/0/name', value: 'someone-else' },
    { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: encodeCaBundle('x') },
  ]);
  t.equal(failedTest, 'conflict', 'a failed test op is a conflict, and nothing is written');
  t.equal(
    (await admission.readValidatingWebhookConfiguration({ name })).webhooks?.[0]?.clientConfig.caBundle,
    encodeCaBundle(bundle.caPem),
  );
  t.same(await reconcileCaBundle(api, { ...validating, name: uniqueName('absent') }, bundle.caPem), {
    outcome: 'not-found',
    updated: [],
    missing: validating.webhookNames,
  });
});
