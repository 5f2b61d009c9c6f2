/**
 * Recovery against a real kube-apiserver: pullguard runs as a ServiceAccount (loaded through the in-cluster path,
 * with a real token from the TokenRequest API) that may not yet read what it watches. The list is refused with 403,
 * the informer keeps restarting with back-off, and once RBAC grants access it syncs and sees changes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import t from 'tap';
import type { PullguardError } from '../../../server/errors.ts';
import { abortableDelay } from '../../../server/kube/informer-supervisor.ts';
import { loadKubeConfig } from '../../../server/kube/kube-config.ts';
import { createResilientInformer } from '../../../server/kube/resilient-informer.ts';
import { eventually } from '../../harness/eventually.ts';
import { useKube } from '../../harness/kube.ts';
import { adminKubeConfig, adminKubeConfigVia, cuttableLink, ownNamespace } from './helpers.ts';

const kube = await useKube(t);
const admin = adminKubeConfig(kube);
const core = admin.makeApiClient(CoreV1Api);
const rbac = admin.makeApiClient(RbacAuthorizationV1Api);

/** A service-account mount as the kubelet would project it, for `account` in `namespace`. */
async function serviceAccountMount(namespace: string, account: string): Promise<string> {
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { namespace, name: account } } });
  const token = await kube.kubectl(['create', 'token', account, '-n', namespace, '--duration=1h']);
  if (token.code !== 0) throw new Error(`kubectl create token failed: ${token.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'pullguard-sa-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), token.stdout.trim());
  writeFileSync(join(dir, 'ca.crt'), kube.caPem);
  writeFileSync(join(dir, 'namespace'), namespace);
  return dir;
}

t.test('403 until RBAC allows it, then the informer recovers on its own', async (t) => {
  const namespace = await ownNamespace(t, kube, 'informer-rbac');
  const mount = await serviceAccountMount(namespace, 'pullguard');
  const server = new URL(kube.server);
  const loaded = loadKubeConfig({
    env: { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port },
    serviceAccountDir: mount,
  });
  t.equal(loaded.origin, 'in-cluster');
  t.equal(loaded.namespace, namespace);

  const errors: PullguardError[] = [];
  const delays: number[] = [];
  const asPullguard = loaded.kubeConfig.makeApiClient(CoreV1Api);
  const informer = createResilientInformer<V1ConfigMap>({
    name: 'configmaps',
    kubeConfig: loaded.kubeConfig,
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    list: () => asPullguard.listNamespacedConfigMap({ namespace, labelSelector: 'app=pullguard-test' }),
    labelSelector: 'app=pullguard-test',
    backoff: { initialMs: 20, maxMs: 100 },
    // Real (short) waits: this test is about the apiserver's answers, not the back-off arithmetic.
    delay: (ms, signal) => {
      delays.push(ms);
      return abortableDelay(ms, signal);
    },
    onError: (error) => errors.push(error),
  });
  t.teardown(() => informer.stop());
  const started = informer.start();

  await eventually(() => (informer.restarts() >= 4 ? true : undefined), { description: 'restarts after 403' });
  t.equal(informer.isSynced(), false);
  t.equal(errors[0]?.httpStatus, 403);
  t.match(errors[0]?.message, /informer configmaps failed: HTTP 403: .*system:serviceaccount:.*:pullguard/);
  t.same(delays.slice(0, 4), [20, 40, 80, 100], 'exponential back-off, capped');

  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { namespace, name: 'read-configmaps' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { namespace, name: 'pullguard-reads-configmaps' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
      subjects: [{ kind: 'ServiceAccount', name: 'pullguard', namespace }],
    },
  });
  await started;
  t.equal(informer.isSynced(), true);
  t.equal(informer.isWatching(), true);
  const restartsAtSync = informer.restarts();

  const added: string[] = [];
  informer.onAdd((cm) => added.push(cm.metadata?.name ?? ''));
  const labels = { app: 'pullguard-test' };
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { namespace, name: 'watched', labels } } });
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { namespace, name: 'unlabelled' } } });
  await eventually(() => informer.get(namespace, 'watched'), { description: 'the ConfigMap after recovery' });
  t.same(added, ['watched']);
  t.equal(informer.get(namespace, 'unlabelled'), undefined, 'the label selector applies to list and watch');
  t.equal(informer.restarts(), restartsAtSync, 'no restart once healthy');
});

t.test('a watch cut off after sync restarts with back-off and resumes where it stopped', async (t) => {
  const namespace = await ownNamespace(t, kube, 'informer-cut');
  const link = await cuttableLink(kube.server);
  t.teardown(() => link.close());
  const viaLink = adminKubeConfigVia(kube, link.url);
  const api = viaLink.makeApiClient(CoreV1Api);
  const errors: PullguardError[] = [];
  const delays: number[] = [];
  const lists: number[] = [];
  const informer = createResilientInformer<V1ConfigMap>({
    name: 'configmaps',
    kubeConfig: viaLink,
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    list: () => {
      lists.push(Date.now());
      return api.listNamespacedConfigMap({ namespace });
    },
    backoff: { initialMs: 20, maxMs: 100 },
    delay: (ms, signal) => {
      delays.push(ms);
      return abortableDelay(ms, signal);
    },
    onError: (error) => errors.push(error),
  });
  t.teardown(() => informer.stop());
  await informer.start();
  const seen: string[] = [];
  informer.onAdd((cm) => seen.push(`add ${cm.metadata?.name}`));
  informer.onDelete((cm) => seen.push(`delete ${cm.metadata?.name}`));
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { namespace, name: 'before-cut' } } });
  await eventually(() => informer.get(namespace, 'before-cut'));

  link.refusing = true;
  link.cut();
  await eventually(() => (informer.restarts() >= 3 ? true : undefined), { description: 'restarts while cut off' });
  t.equal(informer.isWatching(), false);
  t.equal(informer.isSynced(), true, 'still synced: the cache keeps serving');
  t.ok(informer.get(namespace, 'before-cut'), 'the cache survived');
  t.ok(errors.length >= 3);
  t.same(delays.slice(0, 3), [20, 40, 80]);

  // Changes while the informer is blind arrive once the link is back, from the last resourceVersion.
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { namespace, name: 'during-cut' } } });
  await core.deleteNamespacedConfigMap({ namespace, name: 'before-cut' });
  link.refusing = false;
  await eventually(() => (informer.isWatching() && informer.get(namespace, 'during-cut') ? true : undefined), {
    description: 'recovered',
  });
  await eventually(() => (informer.get(namespace, 'before-cut') === undefined ? true : undefined));
  t.same(seen, ['add before-cut', 'add during-cut', 'delete before-cut']);
  t.equal(lists.length, 1, 'resumed by watching from the last resourceVersion, not by listing again');
});
