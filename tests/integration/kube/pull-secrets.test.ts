/**
 * The pull-secret source over real informers: Secrets made by `kubectl create secret docker-registry` and a
 * ServiceAccount's imagePullSecrets, read from the caches, decoded as the kubelet would.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import t from 'tap';
import { createPullSecretSource } from '../../../server/auth/pull-secrets.ts';
import { secretsInformer, serviceAccountsInformer } from '../../../server/kube/informers.ts';
import { eventually } from '../../harness/eventually.ts';
import { useKube } from '../../harness/kube.ts';
import { adminKubeConfig, dockerConfigSecret, ownNamespace } from './helpers.ts';

const kube = await useKube(t);
const kubeConfig = adminKubeConfig(kube);
const core = kubeConfig.makeApiClient(CoreV1Api);
const secrets = secretsInformer(kubeConfig);
const serviceAccounts = serviceAccountsInformer(kubeConfig);
t.teardown(() => Promise.all([secrets.stop(), serviceAccounts.stop()]));
await Promise.all([secrets.start(), serviceAccounts.start()]);
const source = createPullSecretSource({ secrets, serviceAccounts });

const REGISTRY = 'registry.pullguard.test:5000';
const image = `${REGISTRY}/team/app`;

t.test('imagePullSecrets in order, then the ServiceAccount secrets when asked', async (t) => {
  const namespace = await ownNamespace(t, kube, 'pull-secrets');
  const created = await kube.kubectl([
    'create',
    'secret',
    'docker-registry',
    'from-kubectl',
    '-n',
    namespace,
    `--docker-server=${REGISTRY}`,
    '--docker-username=kate',
    '--docker-password=kate-password',
  ]);
  t.equal(created.code, 0, created.stderr);
  await core.createNamespacedSecret({
    namespace,
    body: dockerConfigSecret(namespace, 'second', REGISTRY, 'sam', 'sam-password'),
  });
  await core.createNamespacedSecret({
    namespace,
    body: dockerConfigSecret(namespace, 'of-the-account', REGISTRY, 'bot', 'bot-password'),
  });
  await core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { namespace, name: 'builder' }, imagePullSecrets: [{ name: 'of-the-account' }] },
  });
  await eventually(() => serviceAccounts.get(namespace, 'builder'), { description: 'the ServiceAccount' });
  await eventually(() => secrets.get(namespace, 'of-the-account'), { description: 'the Secrets' });
  await eventually(() => secrets.get(namespace, 'from-kubectl'));

  const usersFor = (names: string[], include: boolean) => {
    const result = source.forPod({
      namespace,
      pullSecretNames: names,
      serviceAccountName: 'builder',
      includeServiceAccountSecrets: include,
    });
    if (!result.ok) throw new Error(result.error.message);
    return result.keyring.lookup(image).map((credential) => `${credential.username}:${credential.password}`);
  };
  t.same(usersFor(['second', 'missing', 'from-kubectl'], false), ['sam:sam-password', 'kate:kate-password']);
  t.same(usersFor(['from-kubectl'], true), ['kate:kate-password', 'bot:bot-password']);
  t.same(usersFor([], false), []);

  // A rotated password reaches the next review through the informer, not a stale keyring.
  const current = await core.readNamespacedSecret({ namespace, name: 'second' });
  const rotated = dockerConfigSecret(namespace, 'second', REGISTRY, 'sam', 'rotated');
  await core.replaceNamespacedSecret({
    namespace,
    name: 'second',
    body: { ...rotated, metadata: { ...rotated.metadata, resourceVersion: current.metadata?.resourceVersion ?? '' } },
  });
  await eventually(() => (usersFor(['second'], false)[0] === 'sam:rotated' ? true : undefined), {
    description: 'the rotated password',
  });
});

t.test('a Secret the API accepts but the kubelet cannot decode fails the Pod, by name', async (t) => {
  const namespace = await ownNamespace(t, kube, 'pull-secrets-bad');
  const config = JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from('no-colon-here').toString('base64') } } });
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { namespace, name: 'undecodable' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
    },
  });
  await eventually(() => secrets.get(namespace, 'undecodable'));
  const result = source.forPod({
    namespace,
    pullSecretNames: ['undecodable'],
    serviceAccountName: 'default',
    includeServiceAccountSecrets: false,
  });
  t.equal(result.ok, false);
  if (result.ok) return;
  t.equal(result.error.secret, 'undecodable');
  t.match(result.error.message, /image pull secret "undecodable" cannot be decoded/);
  t.notMatch(result.error.message, /no-colon-here|bm8tY29sb24taGVyZQ/);
});
