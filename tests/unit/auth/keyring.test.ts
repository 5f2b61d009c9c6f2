import { inspect } from 'node:util';
import t from 'tap';
import { type DockerConfigEntry, PullSecretError, type SecretLike } from '../../../server/auth/docker-config.ts';
import {
  buildPodKeyring,
  type Credential,
  credentialIdentity,
  isDefaultRegistryMatch,
  Keyring,
  type KeyringSource,
  normalizeRegistryKey,
} from '../../../server/auth/keyring.ts';

const entry = (key: string, username: string, password = `${username}-pw`): DockerConfigEntry => ({
  key,
  username,
  password,
});

/** One secret 's' holding `key → username` pairs. */
function keyringOf(...pairs: (readonly [string, string])[]): Keyring {
  return Keyring.build([{ secret: 's', entries: pairs.map(([key, user]) => entry(key, user)) }]);
}

const users = (credentials: readonly Credential[]): string[] => credentials.map((c) => c.username);

// [registry key as written, index key] (null: Go's url.Parse refuses it, the kubelet skips the entry)
const normalization: readonly (readonly [string, string | null])[] = [
  ['registry.io', 'registry.io'],
  ['https://registry.io', 'registry.io'],
  ['http://registry.io', 'registry.io'],
  ['https://index.docker.io/v1/', 'index.docker.io'],
  ['registry.io/v2/', 'registry.io'],
  ['registry.io/v1/team', 'registry.io/team'],
  ['registry.io/v2/team/app', 'registry.io/team/app'],
  ['registry.io/v2', 'registry.io/v2'],
  ['registry.io/v3/', 'registry.io/v3/'],
  ['registry.io/', 'registry.io'],
  ['registry.io/team', 'registry.io/team'],
  ['registry.io/team/', 'registry.io/team/'],
  ['registry.io:5000', 'registry.io:5000'],
  ['registry.io:5000/v2/', 'registry.io:5000'],
  ['user:pw@registry.io/team', 'registry.io/team'],
  ['https://user:pw@registry.io', 'registry.io'],
  ['registry.io/te%61m', 'registry.io/team'],
  ['registry.io?tab=tags', 'registry.io'],
  ['registry.io#frag', 'registry.io'],
  ['*.example.com', '*.example.com'],
  ['Registry.IO', 'Registry.IO'], // no lower-casing
  ['HTTPS://registry.io', 'HTTPS://registry.io'], // the scheme test is case-sensitive: "https://" gets prefixed
  ['ftp://registry.io', 'ftp://registry.io'],
  ['[::1]:5000', '[::1]:5000'],
  ['', ''],
  // what Go's url.Parse refuses
  ['registry.io:abc', null],
  ['registry.io:5000:1', null],
  ['reg istry.io', null],
  ['registry.io/%zz', null],
  ['registry.io\t', null],
  ['reg[0-9].example.com', null], // current Go: '[' only at the start of a host (older Go accepted this)
  ['[a-z]*.example.com', null],
  ['[^a].example.com', null],
  ['reg\\.example.com', null],
  ['reg^x.example.com', null],
];

t.test('key normalization (BasicDockerKeyring.Add)', async (t) => {
  for (const [key, expected] of normalization) t.equal(normalizeRegistryKey(key), expected, JSON.stringify(key));
});

// [name, keys (key → username) of one secret, image name, usernames returned in order]
const lookups: readonly (readonly [string, (readonly [string, string])[], string, string[]])[] = [
  ['exact host', [['registry.io', 'a']], 'registry.io/app', ['a']],
  ['host-only image name', [['registry.io', 'a']], 'registry.io', ['a']],
  ['other host', [['registry.io', 'a']], 'other.io/app', []],
  ['scheme and /v1/ are dropped', [['https://registry.io/v1/', 'a']], 'registry.io/app', ['a']],
  ['http scheme and /v2/ are dropped', [['http://registry.io/v2/', 'a']], 'registry.io/app', ['a']],
  // ports are compared as strings
  ['key :443, image without port', [['registry.io:443', 'a']], 'registry.io/app', []],
  ['key without port, image :443', [['registry.io', 'a']], 'registry.io:443/app', []],
  ['same port', [['registry.io:5000', 'a']], 'registry.io:5000/app', ['a']],
  ['other port', [['registry.io:5000', 'a']], 'registry.io:5001/app', []],
  ['glob host with port', [['*.example.com:5000', 'a']], 'reg.example.com:5000/app', ['a']],
  ['glob host, port missing on the image', [['*.example.com:5000', 'a']], 'reg.example.com/app', []],
  ['trailing colon is an empty port', [['registry.io:', 'a']], 'registry.io/app', ['a']],
  ['IPv6 host and port', [['[::1]:5000', 'a']], '[::1]:5000/app', ['a']],
  // label counts must be equal
  ['* covers one label', [['*.example.com', 'a']], 'reg.example.com/app', ['a']],
  ['* does not cover two labels', [['*.example.com', 'a']], 'a.b.example.com/app', []],
  ['* does not cover zero labels', [['*.example.com', 'a']], 'example.com/app', []],
  ['*.* needs three labels', [['*.*.example.com', 'a']], 'reg.example.com/app', []],
  ['* in the middle', [['prefix.*.io', 'a']], 'prefix.kubernetes.io/app', ['a']],
  ['* at the end', [['prefix.kubernetes.*', 'a']], 'prefix.kubernetes.io/app', ['a']],
  ['* inside a label', [['reg-*.example.com', 'a']], 'reg-eu.example.com/app', ['a']],
  ['* inside a label, no match', [['reg-*.example.com', 'a']], 'registry.example.com/app', []],
  ['lone * is one label', [['*', 'a']], 'localhost/app', ['a']],
  ['lone * vs two labels', [['*', 'a']], 'registry.io/app', []],
  // the key path is a string prefix of the image path
  ['path prefix', [['registry.io/team', 'a']], 'registry.io/team/app', ['a']],
  ['path prefix is a string prefix', [['registry.io/team', 'a']], 'registry.io/team-b/app', ['a']],
  ['trailing slash stops the string prefix', [['registry.io/team/', 'a']], 'registry.io/team-b/app', []],
  ['other path', [['registry.io/team', 'a']], 'registry.io/other/app', []],
  ['key path longer than the image path', [['registry.io/team/app', 'a']], 'registry.io/team', []],
  ['path with a glob host', [['*.example.com/team', 'a']], 'reg.example.com/team/app', ['a']],
  ['path of a v2-prefixed key', [['registry.io/v2/team', 'a']], 'registry.io/team/app', ['a']],
  ['* in a path is literal', [['registry.io/*', 'a']], 'registry.io/team/app', []],
  // case-sensitive everywhere
  ['host case', [['Registry.io', 'a']], 'registry.io/app', []],
  ['path case', [['registry.io/Team', 'a']], 'registry.io/team/app', []],
  ['glob case', [['R*.io', 'a']], 'registry.io/app', []],
  // glob features that never survive Go's URL parser in a key
  ['? ends the host (query)', [['reg?.example.com', 'a']], 'regx.example.com/app', []],
  ['[...] in a host is refused', [['reg[0-9].example.com', 'a']], 'reg1.example.com/app', []],
  ['userinfo in a key is dropped', [['user:pw@registry.io', 'a']], 'registry.io/app', ['a']],
  // every match, in index order (reverse byte order: more specific paths first)
  [
    'all matches, most specific first',
    [
      ['registry.io', 'host'],
      ['*.io', 'glob'],
      ['registry.io/team', 'team'],
      ['registry.io/team/app', 'app'],
      ['registry.io/other', 'other'],
    ],
    'registry.io/team/app',
    ['app', 'team', 'host', 'glob'],
  ],
  [
    'two spellings of one key in one secret keep document order',
    [
      ['https://registry.io', 'first'],
      ['registry.io/v2/', 'second'],
      ['registry.io', 'third'],
    ],
    'registry.io/app',
    ['first', 'second', 'third'],
  ],
  ['identitytoken-only entry still matches (empty credentials)', [['acr.io', '']], 'acr.io/app', ['']],
];

t.test('lookup rules (URLsMatch)', async (t) => {
  for (const [name, pairs, image, expected] of lookups)
    t.same(users(keyringOf(...pairs).lookup(image)), expected, name);
});

// Docker Hub: only the index.docker.io key is a fallback, and only when nothing else matched.
const hub: readonly (readonly [string, (readonly [string, string])[], string, string[]])[] = [
  [
    'docker login key serves a library image',
    [['https://index.docker.io/v1/', 'hub']],
    'docker.io/library/nginx',
    ['hub'],
  ],
  ['index.docker.io key serves a user image', [['index.docker.io', 'hub']], 'docker.io/someone/app', ['hub']],
  [
    'index.docker.io key matches index.docker.io directly',
    [['index.docker.io', 'hub']],
    'index.docker.io/a/b',
    ['hub'],
  ],
  ['index.docker.io key does not serve other registries', [['index.docker.io', 'hub']], 'quay.io/a/b', []],
  ['index.docker.io key with a path is not the fallback', [['index.docker.io/team', 'hub']], 'docker.io/team/app', []],
  ['docker.io key matches Hub images directly', [['docker.io', 'd']], 'docker.io/library/nginx', ['d']],
  ['https://docker.io/v1/ key too', [['https://docker.io/v1/', 'd']], 'docker.io/library/nginx', ['d']],
  ['registry-1.docker.io key never serves Hub images', [['registry-1.docker.io', 'r1']], 'docker.io/library/nginx', []],
  [
    'registry-1.docker.io key serves its own host',
    [['registry-1.docker.io', 'r1']],
    'registry-1.docker.io/x/y',
    ['r1'],
  ],
  ['*.docker.io key does not cover docker.io', [['*.docker.io', 'g']], 'docker.io/library/nginx', []],
  [
    'the fallback is not used when something matched',
    [
      ['index.docker.io', 'hub'],
      ['*.io', 'glob'],
    ],
    'docker.io/library/nginx',
    ['glob'],
  ],
  [
    'docker.io and index.docker.io keys: only the direct match',
    [
      ['https://index.docker.io/v1/', 'hub'],
      ['docker.io', 'd'],
    ],
    'docker.io/library/nginx',
    ['d'],
  ],
  // isDefaultRegistryMatch looks at the first component only, so the kubelet offers Hub credentials to these too
  ['single-label host without port gets Hub credentials', [['index.docker.io', 'hub']], 'localhost/app', ['hub']],
  ['host with a port does not', [['index.docker.io', 'hub']], 'localhost:5000/app', []],
];

t.test('Docker Hub fallback', async (t) => {
  for (const [name, pairs, image, expected] of hub) t.same(users(keyringOf(...pairs).lookup(image)), expected, name);
});

t.test('isDefaultRegistryMatch', async (t) => {
  const cases: readonly (readonly [string, boolean])[] = [
    ['docker.io/library/nginx', true],
    ['index.docker.io/foo/bar', true],
    ['foo/bar', true],
    ['foo', true],
    ['localhost/foo', true],
    ['', false],
    ['/foo', false],
    ['registry.tld/foo/bar', false],
    ['registry:5000/foo/bar', false],
    ['myhostdocker.io/foo/bar', false],
  ];
  for (const [image, expected] of cases) t.equal(isDefaultRegistryMatch(image), expected, JSON.stringify(image));
});

t.test('order across secrets: index order first, then secret order within a key', async (t) => {
  const sources: KeyringSource[] = [
    { secret: 'first', entries: [entry('registry.io', 'first-host'), entry('*.io', 'first-glob')] },
    {
      secret: 'second',
      entries: [entry('https://registry.io/v1/', 'second-host'), entry('registry.io/team', 'second-team')],
    },
  ];
  const keyring = Keyring.build(sources);
  t.same(users(keyring.lookup('registry.io/team/app')), ['second-team', 'first-host', 'second-host', 'first-glob']);
  t.same(
    keyring.lookup('registry.io/app').map((c) => c.source),
    [
      { secret: 'first', key: 'registry.io' },
      { secret: 'second', key: 'https://registry.io/v1/' },
      { secret: 'first', key: '*.io' },
    ],
  );
  t.same(users(Keyring.build([...sources].reverse()).lookup('registry.io/app')), [
    'second-host',
    'first-host',
    'first-glob',
  ]);
});

t.test('Hub fallback keeps insertion order across secrets', async (t) => {
  const keyring = Keyring.build([
    { secret: 'a', entries: [entry('https://index.docker.io/v1/', 'a')] },
    { secret: 'b', entries: [entry('index.docker.io', 'b')] },
  ]);
  t.same(users(keyring.lookup('docker.io/library/nginx')), ['a', 'b']);
});

t.test('keys are sorted by bytes, reversed (not localeCompare)', async (t) => {
  const keyring = keyringOf(
    ['a.io', '1'],
    ['B.io', '2'],
    ['b.io', '3'],
    ['A.io', '4'],
    ['registry.io', '5'],
    ['registry.io/team', '6'],
    ['*.io', '7'],
    ['_x.io', '8'],
    ['https://registry.io/v2/', '9'],
  );
  t.same(keyring.keys, ['registry.io/team', 'registry.io', 'b.io', 'a.io', '_x.io', 'B.io', 'A.io', '*.io']);
  t.equal(keyring.size, 9);
});

t.test('size counts credentials the kubelet keeps', async (t) => {
  t.equal(Keyring.build([]).size, 0);
  t.same(Keyring.build([]).lookup('docker.io/library/nginx'), []);
  const keyring = keyringOf(['registry.io:abc', 'dropped'], ['reg[0].io', 'dropped'], ['ok.io', 'kept']);
  t.equal(keyring.size, 1);
  t.same(keyring.keys, ['ok.io']);
});

t.test('lookup returns a fresh array each time', async (t) => {
  const keyring = keyringOf(['index.docker.io', 'hub'], ['registry.io', 'r']);
  for (const image of ['docker.io/library/nginx', 'registry.io/app']) {
    const first = keyring.lookup(image);
    first.length = 0;
    t.equal(keyring.lookup(image).length, 1, image);
  }
});

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function configSecret(name: string, auths: Record<string, unknown>): SecretLike {
  return {
    metadata: { name },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}

t.test('buildPodKeyring: secrets in imagePullSecrets order, ignored ones skipped', async (t) => {
  const result = buildPodKeyring([
    { metadata: { name: 'opaque' }, type: 'Opaque', data: { '.dockerconfigjson': b64('{"auths":[]}') } },
    configSecret('one', { 'registry.io': { auth: b64('one:pw1') } }),
    {
      metadata: { name: 'legacy' },
      type: 'kubernetes.io/dockercfg',
      data: { '.dockercfg': b64(JSON.stringify({ 'registry.io': { username: 'legacy', password: 'pw2' } })) },
    },
    configSecret('acr', { 'acr.io': { identitytoken: 'refresh-token' } }),
  ]);
  t.equal(result.ok, true);
  if (!result.ok) return;
  t.same(
    result.keyring.lookup('registry.io/app').map((c) => [c.username, c.password, c.source.secret]),
    [
      ['one', 'pw1', 'one'],
      ['legacy', 'pw2', 'legacy'],
    ],
  );
  t.same(
    result.keyring.lookup('acr.io/app').map((c) => [c.username, c.password]),
    [['', '']],
  );
  t.same(result.keyring.lookup('quay.io/app'), []);
});

t.test('buildPodKeyring: one undecodable secret fails the whole set', async (t) => {
  const cases: readonly (readonly [string, SecretLike])[] = [
    ['URL-safe alphabet', configSecret('bad', { 'other.io': { auth: 'dXNlcj-_cGFzcw' } })],
    ['invalid characters', configSecret('bad', { 'other.io': { auth: 'dXNl*cjpw' } })],
    ['wrong padding', configSecret('bad', { 'other.io': { auth: 'YTpiYw=' } })],
    ['no colon', configSecret('bad', { 'other.io': { auth: b64('nocolon') } })],
    [
      'auths is an array',
      {
        metadata: { name: 'bad' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64('{"auths":[]}') },
      },
    ],
  ];
  for (const [name, bad] of cases) {
    for (const secrets of [
      [configSecret('good', { 'registry.io': { auth: b64('u:p') } }), bad],
      [bad, configSecret('good', { 'registry.io': { auth: b64('u:p') } })],
    ]) {
      const result = buildPodKeyring(secrets);
      t.equal(result.ok, false, name);
      if (result.ok) continue;
      t.type(result.error, PullSecretError, name);
      t.equal(result.error.secret, 'bad', name);
      t.equal(result.error.code, 'PULL_SECRET_INVALID', name);
    }
  }
});

t.test('buildPodKeyring with nothing usable', async (t) => {
  const result = buildPodKeyring([]);
  t.equal(result.ok, true);
  if (result.ok) t.equal(result.keyring.size, 0);
});

t.test('credentials never print their password', async (t) => {
  const [credential] = keyringOf(['https://bob:keypw@registry.io', 'bob']).lookup('registry.io/app');
  t.ok(credential);
  if (credential === undefined) return;
  t.equal(credential.password, 'bob-pw');
  t.same(credential.source, { secret: 's', key: 'https://<redacted>@registry.io' });
  for (const printed of [
    JSON.stringify(credential),
    inspect(credential),
    inspect({ nested: [credential] }, { depth: 9 }),
  ]) {
    t.notMatch(printed, /bob-pw|keypw/);
  }
  t.notMatch(JSON.stringify(keyringOf(['registry.io', 'x'])), /x-pw/);
  t.ok(Object.isFrozen(credential));
});

t.test('credentialIdentity', async (t) => {
  const make = (username: string, password: string, secret = 's'): Credential => ({
    username,
    password,
    source: { secret, key: 'k' },
  });
  t.equal(credentialIdentity(null), 'anonymous');
  const id = credentialIdentity(make('user', 'hunter2'));
  t.match(id, /^sha256:[0-9a-f]{32}$/);
  t.notMatch(id, /hunter2|user/);
  t.equal(credentialIdentity(make('user', 'hunter2', 'other-secret')), id, 'the source does not matter');
  t.not(credentialIdentity(make('user', 'hunter3')), id);
  t.not(credentialIdentity(make('user2', 'hunter2')), id);
  t.not(credentialIdentity(make('a:b', 'c')), credentialIdentity(make('a', 'b:c')), 'no ambiguity at the separator');
  t.not(credentialIdentity(make('', '')), 'anonymous', 'empty credentials are still a credential');
});
