/**
 * The typed informers against a real kube-apiserver: they sync, see adds, updates and deletes, and their selectors
 * keep out what pullguard never reads. The cluster is shared, so every assertion looks at this test's objects only.
 */
import { CoreV1Api, type CoreV1Event, type KubernetesObject } from '@kubernetes/client-node';
import t, { type Test } from 'tap';
import type { PullguardError } from '../../../server/errors.ts';
import type { ResilientInformer } from '../../../server/kube/informer-types.ts';
import {
  namespacesInformer,
  pendingPodsInformer,
  podEventsInformer,
  secretsInformer,
  serviceAccountsInformer,
} from '../../../server/kube/informers.ts';
import { createPodWriter } from '../../../server/kube/pod-status.ts';
import { eventually } from '../../harness/eventually.ts';
import { useKube } from '../../harness/kube.ts';
import { adminKubeConfig, dockerConfigSecret, ownNamespace, pendingPod } from './helpers.ts';

const kube = await useKube(t);
const kubeConfig = adminKubeConfig(kube);
const core = kubeConfig.makeApiClient(CoreV1Api);

/** Starts an informer for the test, records what its listeners see in `namespace`, and stops it afterwards. */
async function watched<T extends KubernetesObject>(
  tt: Test,
  informer: ResilientInformer<T>,
  namespace: string | undefined,
) {
  const seen: string[] = [];
  const errors: PullguardError[] = [];
  const mine = (o: T) => namespace === undefined || o.metadata?.namespace === namespace;
  const label = (o: T) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;
  informer.onAdd((o) => mine(o) && seen.push(`add ${label(o)}`));
  informer.onUpdate((o) => mine(o) && seen.push(`update ${label(o)}`));
  informer.onDelete((o) => mine(o) && seen.push(`delete ${o.metadata?.name}`));
  tt.teardown(() => informer.stop());
  await informer.start();
  tt.equal(informer.isSynced(), true);
  tt.equal(informer.isWatching(), true);
  return { seen, errors };
}

t.test('secrets: both docker-config types, nothing else; add, update, delete', async (t) => {
  const namespace = await ownNamespace(t, kube, 'informer-secrets');
  const before = await core.createNamespacedSecret({
    namespace,
    body: dockerConfigSecret(namespace, 'before', 'r.example', 'u', 'p'),
  });
  const informer = secretsInformer(kubeConfig);
  const { seen } = await watched(t, informer, namespace);
  t.ok(informer.get(namespace, 'before'), 'listed at sync');
  t.equal(informer.get(namespace, 'before')?.type, 'kubernetes.io/dockerconfigjson');

  const created = await core.createNamespacedSecret({
    namespace,
    body: dockerConfigSecret(namespace, 'json', 'r.example', 'alice', 'one'),
  });
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { namespace, name: 'legacy' },
      type: 'kubernetes.io/dockercfg',
      data: { '.dockercfg': Buffer.from('{"r.example":{"username":"bob","password":"two"}}').toString('base64') },
    },
  });
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { namespace, name: 'opaque' }, stringData: { a: 'b' } },
  });
  await eventually(() => informer.get(namespace, 'legacy'), { description: 'the dockercfg Secret' });
  t.ok(informer.get(namespace, 'json'));

  const updated = await core.replaceNamespacedSecret({
    namespace,
    name: 'json',
    body: {
      ...dockerConfigSecret(namespace, 'json', 'r.example', 'alice', 'changed'),
      metadata: { namespace, name: 'json', resourceVersion: created.metadata?.resourceVersion ?? '' },
    },
  });
  await eventually(
    () => informer.get(namespace, 'json')?.metadata?.resourceVersion === updated.metadata?.resourceVersion || undefined,
    {
      description: 'the update',
    },
  );
  await core.deleteNamespacedSecret({ namespace, name: 'json' });
  await eventually(() => (informer.get(namespace, 'json') === undefined ? true : undefined), {
    description: 'the delete',
  });

  t.equal(informer.get(namespace, 'opaque'), undefined, 'Opaque Secrets are never cached');
  t.same(
    informer
      .list(namespace)
      .map((s) => s.metadata?.name)
      .sort(),
    ['before', 'legacy'],
  );
  t.same(seen, [
    `add before@${before.metadata?.resourceVersion}`,
    `add json@${created.metadata?.resourceVersion}`,
    `add legacy@${informer.get(namespace, 'legacy')?.metadata?.resourceVersion}`,
    `update json@${updated.metadata?.resourceVersion}`,
    'delete json',
  ]);
  t.equal(informer.restarts(), 0);
});

t.test('service accounts and opted-in namespaces (a namespace losing the label is a delete)', async (t) => {
  const namespace = await ownNamespace(t, kube, 'informer-ns');
  const accounts = serviceAccountsInformer(kubeConfig);
  await watched(t, accounts, namespace);
  t.ok(accounts.get(namespace, 'default'), 'the default ServiceAccount');

  const namespaces = namespacesInformer(kubeConfig);
  const { seen } = await watched(t, namespaces, undefined);
  t.equal(namespaces.get('', namespace), undefined, 'not opted in yet');
  const label = (value: string | null) =>
    kube.kubectl([
      'label',
      'namespace',
      namespace,
      `pullguard.dev/mode${value === null ? '-' : `=${value}`}`,
      '--overwrite',
    ]);
  t.equal((await label('warn')).code, 0);
  await eventually(() => namespaces.get('', namespace), { description: 'the labelled namespace' });
  t.equal(namespaces.get('', namespace)?.metadata?.labels?.['pullguard.dev/mode'], 'warn');
  t.equal((await label('enforce')).code, 0);
  await eventually(() =>
    namespaces.get('', namespace)?.metadata?.labels?.['pullguard.dev/mode'] === 'enforce' ? true : undefined,
  );
  t.equal((await label(null)).code, 0);
  await eventually(() => (namespaces.get('', namespace) === undefined ? true : undefined), {
    description: 'label removed',
  });
  const ours = seen.filter((line) => line.includes(namespace)).map((line) => line.split(' ')[0]);
  t.same(ours, ['add', 'update', 'delete']);
});

t.test('pending pods: a Pod leaving Pending leaves the cache', async (t) => {
  const namespace = await ownNamespace(t, kube, 'informer-pods');
  const informer = pendingPodsInformer(kubeConfig);
  const { seen } = await watched(t, informer, namespace);
  const created = await core.createNamespacedPod({ namespace, body: pendingPod(namespace, 'stuck') });
  await eventually(() => informer.get(namespace, 'stuck'), { description: 'the pending Pod' });
  const writer = createPodWriter(kubeConfig);
  const patched = await writer.patchPodStatus(
    namespace,
    'stuck',
    { phase: 'Failed' },
    created.metadata?.resourceVersion ?? '',
  );
  t.equal(patched.outcome, 'patched');
  await eventually(() => (informer.get(namespace, 'stuck') === undefined ? true : undefined), { description: 'gone' });
  t.same(
    seen.map((line) => line.split('@')[0]),
    ['add stuck', 'delete stuck'],
  );
});

t.test('pod events: only the image pull reasons, only about Pods', async (t) => {
  const namespace = await ownNamespace(t, kube, 'informer-events');
  const informer = podEventsInformer(kubeConfig);
  const { seen } = await watched(t, informer, namespace);
  const event = (name: string, kind: string, reason: string): CoreV1Event => ({
    metadata: { namespace, name },
    involvedObject: { kind, namespace, name: 'p', apiVersion: 'v1' },
    reason,
    message: `${reason} for test`,
    type: 'Warning',
    source: { component: 'kubelet' },
    firstTimestamp: new Date(),
    lastTimestamp: new Date(),
    count: 1,
  });
  for (const [name, kind, reason] of [
    ['pull-failed', 'Pod', 'Failed'],
    ['back-off', 'Pod', 'BackOff'],
    ['never', 'Pod', 'ErrImageNeverPull'],
    ['scheduled', 'Pod', 'Scheduled'],
    ['job-failed', 'Job', 'Failed'],
  ]) {
    await core.createNamespacedEvent({ namespace, body: event(name as string, kind as string, reason as string) });
  }
  await eventually(() => (informer.list(namespace).length === 3 ? true : undefined), { description: 'three events' });
  t.same(
    informer
      .list(namespace)
      .map((e) => e.metadata?.name)
      .sort(),
    ['back-off', 'never', 'pull-failed'],
  );
  t.equal(informer.get(namespace, 'pull-failed')?.reason, 'Failed');
  t.equal(seen.length, 3);
});

t.test('a listener that throws does not stall the watch', async (t) => {
  const namespace = await ownNamespace(t, kube, 'informer-throw');
  const errors: PullguardError[] = [];
  const informer = secretsInformer(kubeConfig, { onError: (error) => errors.push(error) });
  informer.onAdd((secret) => {
    if (secret.metadata?.namespace === namespace) throw new Error('listener bug');
  });
  t.teardown(() => informer.stop());
  await informer.start();
  await core.createNamespacedSecret({ namespace, body: dockerConfigSecret(namespace, 'one', 'r.example', 'u', 'p') });
  await eventually(() => informer.get(namespace, 'one'));
  await core.createNamespacedSecret({ namespace, body: dockerConfigSecret(namespace, 'two', 'r.example', 'u', 'p') });
  await eventually(() => informer.get(namespace, 'two'), { description: 'the next event still arrives' });
  t.equal(errors.length, 2);
  t.match(
    errors[0]?.message,
    /informer secrets\(kubernetes.io\/dockerconfigjson\): a add listener threw: listener bug/,
  );
  t.equal(informer.isWatching(), true);
  t.equal(informer.restarts(), 0);
});
