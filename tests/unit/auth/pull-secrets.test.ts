import type { V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import t from 'tap';
import type { CredentialSource } from '../../../server/admission/ports.ts';
import type { Credential } from '../../../server/auth/keyring.ts';
import {
  createPullSecretSource,
  type NamespacedReader,
  type PullSecretObject,
  type ServiceAccountObject,
} from '../../../server/auth/pull-secrets.ts';
import type { ResilientInformer } from '../../../server/kube/informer-types.ts';

// The informers plug in as they are, and the source is admission's port.
type Fits<A, B> = A extends B ? true : never;
const informersFit: [
  Fits<ResilientInformer<V1Secret>, NamespacedReader<PullSecretObject>>,
  Fits<ResilientInformer<V1ServiceAccount>, NamespacedReader<ServiceAccountObject>>,
  Fits<ReturnType<typeof createPullSecretSource>, CredentialSource<Credential>>,
] = [true, true, true];
void informersFit;

const REGISTRY = 'registry.example';

function pullSecret(name: string, user: string, resourceVersion: string | null = '1'): V1Secret {
  const config = { auths: { [REGISTRY]: { username: user, password: `${user}-password` } } };
  return {
    metadata: { name, namespace: 'ns', ...(resourceVersion === null ? {} : { resourceVersion }) },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}

/** A fake informer cache keyed by namespace/name, counting reads. */
function store<T>(objects: Record<string, T>) {
  const reads: string[] = [];
  return {
    objects,
    reads,
    get(namespace: string, name: string) {
      reads.push(`${namespace}/${name}`);
      return objects[`${namespace}/${name}`];
    },
  };
}

function setup(
  secrets: Record<string, PullSecretObject>,
  accounts: Record<string, ServiceAccountObject> = {},
  max?: number,
) {
  const secretStore = store(secrets);
  const accountStore = store(accounts);
  const source = createPullSecretSource({
    secrets: secretStore,
    serviceAccounts: accountStore,
    ...(max === undefined ? {} : { maxCachedKeyrings: max }),
  });
  return { source, secretStore, accountStore };
}

const request = (names: string[], include = false, serviceAccountName = 'default') => ({
  namespace: 'ns',
  pullSecretNames: names,
  serviceAccountName,
  includeServiceAccountSecrets: include,
});

function users(result: ReturnType<ReturnType<typeof createPullSecretSource>['forPod']>): string[] {
  if (!result.ok) throw new Error(result.error.message);
  return result.keyring.lookup(`${REGISTRY}/team/app`).map((c) => c.username);
}

t.test('secrets are used in imagePullSecrets order; missing and empty names are skipped', async (t) => {
  const { source } = setup({ 'ns/a': pullSecret('a', 'alice'), 'ns/b': pullSecret('b', 'bob') });
  const cases: [string, string[], string[]][] = [
    ['listed order', ['b', 'a'], ['bob', 'alice']],
    ['missing skipped', ['gone', 'a', 'also-gone'], ['alice']],
    ['empty name skipped', ['', 'b'], ['bob']],
    ['none', [], []],
    ['repeated, as the kubelet repeats it', ['a', 'a'], ['alice', 'alice']],
  ];
  for (const [what, names, expected] of cases) t.same(users(source.forPod(request(names))), expected, what);
});

t.test('the ServiceAccount secrets come last, and only when asked for', async (t) => {
  const { source, accountStore } = setup(
    { 'ns/a': pullSecret('a', 'alice'), 'ns/sa': pullSecret('sa', 'sam') },
    { 'ns/builder': { imagePullSecrets: [{ name: 'sa' }, {}, { name: 'missing' }] } },
  );
  t.same(users(source.forPod(request(['a'], false, 'builder'))), ['alice']);
  t.same(accountStore.reads, [], 'the ServiceAccount is not even read');
  t.same(users(source.forPod(request(['a'], true, 'builder'))), ['alice', 'sam']);
  t.same(users(source.forPod(request([], true, 'builder'))), ['sam']);
  t.same(users(source.forPod(request([], true, 'no-such-account'))), []);
});

t.test('an undecodable secret fails the Pod, naming the secret and not its data', async (t) => {
  const broken: V1Secret = {
    metadata: { name: 'broken', namespace: 'ns', resourceVersion: '7' },
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      '.dockerconfigjson': Buffer.from('{"auths": {"r.example": {"auth": "c2VjcmV0LXdpdGhvdXQtY29sb24="}}}').toString(
        'base64',
      ),
    },
  };
  const { source } = setup({ 'ns/a': pullSecret('a', 'alice'), 'ns/broken': broken });
  const result = source.forPod(request(['a', 'broken']));
  t.equal(result.ok, false);
  if (result.ok) return;
  t.equal(result.error.secret, 'broken');
  t.match(result.error.message, /image pull secret "broken" cannot be decoded/);
  t.notMatch(result.error.message, /c2VjcmV0|secret-without-colon/);
  t.equal(source.forPod(request(['a', 'broken'])), result, 'a failure is kept too');
});

t.test('other secret types are ignored, as the kubelet ignores them', async (t) => {
  const opaque: PullSecretObject = { ...pullSecret('opaque', 'olga'), type: 'Opaque' };
  const { source } = setup({ 'ns/opaque': opaque, 'ns/a': pullSecret('a', 'alice') });
  t.same(users(source.forPod(request(['opaque', 'a']))), ['alice']);
});

t.test('built keyrings are kept until a secret changes its resourceVersion', async (t) => {
  const secrets: Record<string, PullSecretObject> = { 'ns/a': pullSecret('a', 'alice', '10') };
  const { source } = setup(secrets);
  const first = source.forPod(request(['a']));
  const second = source.forPod(request(['a']));
  t.equal(second, first, 'the same result object: nothing decoded again');
  t.equal(source.cachedKeyrings(), 1);

  secrets['ns/a'] = pullSecret('a', 'anna', '11');
  const third = source.forPod(request(['a']));
  t.not(third, first);
  t.same(users(third), ['anna']);

  delete secrets['ns/a'];
  t.same(users(source.forPod(request(['a']))), [], 'deleted: gone from the keyring');

  secrets['ns/nover'] = pullSecret('nover', 'nina', null);
  const unversioned = source.forPod(request(['nover']));
  t.not(source.forPod(request(['nover'])), unversioned, 'no resourceVersion, no caching');
});

t.test('the keyring cache is bounded', async (t) => {
  const { source } = setup({ 'ns/a': pullSecret('a', 'alice', '1'), 'ns/b': pullSecret('b', 'bob', '2') }, {}, 2);
  const onlyA = source.forPod(request(['a']));
  source.forPod(request(['b']));
  source.forPod(request(['a'])); // a is now the most recently used
  source.forPod(request(['a', 'b']));
  t.equal(source.cachedKeyrings(), 2);
  t.equal(source.forPod(request(['a'])), onlyA, 'the most recently used entry stayed');

  const none = setup({ 'ns/a': pullSecret('a', 'alice') }, {}, 0).source;
  none.forPod(request(['a']));
  t.equal(none.cachedKeyrings(), 0);
  t.throws(() => setup({}, {}, -1), RangeError);
});

t.test('a keyring never prints its passwords', async (t) => {
  const { source } = setup({ 'ns/a': pullSecret('a', 'alice') });
  const result = source.forPod(request(['a']));
  t.notMatch(JSON.stringify(result), /alice-password/);
});
