import type { KubernetesListObject, V1ConfigMap } from '@kubernetes/client-node';
import t from 'tap';
import { listInPages } from '../../../server/kube/list-pages.ts';

const configMap = (name: string): V1ConfigMap => ({
  metadata: { name, namespace: 'n' },
  data: { big: 'x'.repeat(10) },
});

function pages(...names: string[][]): {
  fetch: (token: string | undefined) => Promise<KubernetesListObject<V1ConfigMap>>;
  tokens: (string | undefined)[];
} {
  const tokens: (string | undefined)[] = [];
  return {
    tokens,
    fetch: async (token) => {
      tokens.push(token);
      const index = token === undefined ? 0 : Number(token.slice('page-'.length));
      const last = index === names.length - 1;
      return {
        apiVersion: 'v1',
        kind: 'ConfigMapList',
        metadata: { resourceVersion: '500', ...(last ? {} : { _continue: `page-${index + 1}` }) },
        items: (names[index] ?? []).map(configMap),
      };
    },
  };
}

t.test('follows continue tokens and returns every page as one list, at the snapshot resourceVersion', async (t) => {
  const source = pages(['a', 'b'], ['c', 'd'], ['e']);
  const list = await listInPages(source.fetch);
  t.same(source.tokens, [undefined, 'page-1', 'page-2']);
  t.same(
    list.items.map((item) => item.metadata?.name),
    ['a', 'b', 'c', 'd', 'e'],
  );
  t.same(list.metadata, { resourceVersion: '500' });
  t.equal(list.kind, 'ConfigMapList');
});

t.test('transforms each item as its page arrives', async (t) => {
  const seenAtFetch: number[] = [];
  let transformed = 0;
  const source = pages(['a', 'b'], ['c']);
  const list = await listInPages(
    async (token) => {
      seenAtFetch.push(transformed);
      return source.fetch(token);
    },
    (item) => {
      transformed += 1;
      return { metadata: { name: item.metadata?.name?.toUpperCase() ?? '', namespace: 'n' } };
    },
  );
  t.same(seenAtFetch, [0, 2], 'the first page was trimmed before the second was asked for');
  t.same(list.items, [
    { metadata: { name: 'A', namespace: 'n' } },
    { metadata: { name: 'B', namespace: 'n' } },
    { metadata: { name: 'C', namespace: 'n' } },
  ]);
});

t.test('a fetcher that answers everything at once is one page; an empty token ends the list', async (t) => {
  let calls = 0;
  const list = await listInPages(async () => {
    calls += 1;
    return { metadata: { resourceVersion: '9', _continue: '' }, items: [configMap('only')] };
  });
  t.equal(calls, 1);
  t.equal(list.items.length, 1);
  t.same(list.metadata, { resourceVersion: '9' });
});

t.test('a failing page fails the whole list', async (t) => {
  const gone = Object.assign(new Error('continue token expired'), { code: 410 });
  await t.rejects(
    listInPages(async (token) => {
      if (token !== undefined) throw gone;
      return { metadata: { resourceVersion: '1', _continue: 'next' }, items: [configMap('a')] };
    }),
    gone,
  );
});
