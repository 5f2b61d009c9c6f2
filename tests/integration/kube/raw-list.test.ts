/**
 * LIST pages as plain JSON against a real kube-apiserver: the selectors and the page size are sent, the continue
 * token walks the pages to one consistent list (listInPages), and a refusal carries its HTTP status.
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { kubeStatusOf } from '../../../server/kube/kube-error.ts';
import { listInPages } from '../../../server/kube/list-pages.ts';
import { rawListPages } from '../../../server/kube/raw-list.ts';
import { useKube } from '../../harness/kube.ts';
import { adminKubeConfig, ownNamespace, pendingPod } from './helpers.ts';

const kube = await useKube(t);
const kubeConfig = adminKubeConfig(kube);
const core = kubeConfig.makeApiClient(CoreV1Api);
const namespace = await ownNamespace(t, kube, 'raw-list');
const names = ['a', 'b', 'c', 'd', 'e'];
for (const name of names) await core.createNamespacedPod({ namespace, body: pendingPod(namespace, name) });

t.test('pages of two walk to every Pod, as plain JSON', async (t) => {
  const pages: number[] = [];
  const fetchPage = rawListPages<V1Pod>(kubeConfig, {
    path: `/api/v1/namespaces/${namespace}/pods`,
    fieldSelector: 'status.phase=Pending',
    pageSize: 2,
  });
  const list = await listInPages<V1Pod>(async (token) => {
    const page = await fetchPage(token);
    pages.push(page.items.length);
    return page;
  });
  t.same(pages, [2, 2, 1], 'three pages');
  t.same(list.items.map((pod) => pod.metadata?.name).sort(), names);
  t.type(list.metadata?.resourceVersion, 'string', 'the snapshot resourceVersion, for the watch');
  t.type(list.items[0]?.metadata?.creationTimestamp, 'string', 'timestamps stay strings, as in watch events');
});

t.test('the field selector is applied by the apiserver', async (t) => {
  const page = await rawListPages<V1Pod>(kubeConfig, {
    path: `/api/v1/namespaces/${namespace}/pods`,
    fieldSelector: 'status.phase=Running',
    pageSize: 10,
  })(undefined);
  t.same(page.items, []);
});

t.test('a refusal is an error carrying its HTTP status', async (t) => {
  const fetchPage = rawListPages<V1Pod>(kubeConfig, { path: '/api/v1/nosuchthings', pageSize: 10 });
  const error = await fetchPage(undefined).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.equal(kubeStatusOf(error), 404);
});
