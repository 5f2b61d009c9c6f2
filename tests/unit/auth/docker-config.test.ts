import { inspect } from 'node:util';
import t from 'tap';
import {
  type DockerConfigEntry,
  PullSecretError,
  parseDockerCfg,
  parseDockerConfigJson,
  readPullSecret,
  type SecretLike,
} from '../../../server/auth/docker-config.ts';
import { PullguardError } from '../../../server/errors.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const unpadded = (text: string): string => b64(text).replace(/=+$/, '');

/** Entries as plain [key, username, password] triples. */
function triples(entries: readonly DockerConfigEntry[]): [string, string, string][] {
  return entries.map((e) => [e.key, e.username, e.password]);
}

// [name, .dockerconfigjson text, expected entries]
const goodConfigs: readonly (readonly [string, string, [string, string, string][]])[] = [
  [
    'username and password',
    '{"auths":{"registry.io":{"username":"u","password":"p","email":"e@x"}}}',
    [['registry.io', 'u', 'p']],
  ],
  [
    'auth overrides username and password',
    `{"auths":{"registry.io":{"username":"ignored","password":"ignored","auth":"${b64('real:secret')}"}}}`,
    [['registry.io', 'real', 'secret']],
  ],
  [
    'auth order in the object does not matter',
    `{"auths":{"registry.io":{"auth":"${b64('real:secret')}","username":"ignored"}}}`,
    [['registry.io', 'real', 'secret']],
  ],
  ['empty auth does not override', '{"auths":{"r":{"username":"u","password":"p","auth":""}}}', [['r', 'u', 'p']]],
  [
    'password with colons: split at the first',
    `{"auths":{"r":{"auth":"${b64('user:pa:ss:word')}"}}}`,
    [['r', 'user', 'pa:ss:word']],
  ],
  ['empty user and password', `{"auths":{"r":{"auth":"${b64(':')}"}}}`, [['r', '', '']]],
  ['unpadded auth', `{"auths":{"r":{"auth":"${unpadded('ab:c')}"}}}`, [['r', 'ab', 'c']]],
  ['auth with a trailing newline', `{"auths":{"r":{"auth":"${b64('u:p')}\\n"}}}`, [['r', 'u', 'p']]],
  ['non-ASCII password', `{"auths":{"r":{"auth":"${b64('ü:pässwörd')}"}}}`, [['r', 'ü', 'pässwörd']]],
  // case-insensitive field names, as Go's encoding/json
  ['AUTHS / Username / PASSWORD', '{"AUTHS":{"r":{"Username":"u","PASSWORD":"p"}}}', [['r', 'u', 'p']]],
  ['Auths / Auth', `{"Auths":{"r":{"Auth":"${b64('u:p')}"}}}`, [['r', 'u', 'p']]],
  ['long s folds to s (uſername)', '{"auths":{"r":{"uſername":"u"}}}', [['r', 'u', '']]],
  [
    'registry keys stay case-sensitive',
    '{"auths":{"R.io":{},"r.io":{}}}',
    [
      ['R.io', '', ''],
      ['r.io', '', ''],
    ],
  ],
  // identitytoken and other fields are never read
  [
    'identitytoken only: matches with empty credentials',
    '{"auths":{"acr.io":{"identitytoken":"tok"}}}',
    [['acr.io', '', '']],
  ],
  [
    'unknown fields of any type are ignored',
    '{"auths":{"r":{"registrytoken":5,"serveraddress":[1],"x":{}}}}',
    [['r', '', '']],
  ],
  ['null entry: empty credentials', '{"auths":{"r":null}}', [['r', '', '']]],
  ['null fields keep the earlier value', '{"auths":{"r":{"username":"u","Username":null}}}', [['r', 'u', '']]],
  ['repeated field: the last wins', '{"auths":{"r":{"username":"a","USERNAME":"b"}}}', [['r', 'b', '']]],
  // the document shape
  ['null document', 'null', []],
  ['no auths', '{"credsStore":"desktop","credHelpers":{"r":"x"}}', []],
  ['null auths', '{"auths":null}', []],
  ['empty auths', '{"auths":{}}', []],
  ['registry map without the auths wrapper is not read', '{"registry.io":{"username":"u"}}', []],
  [
    'repeated auths (any case) merge into one map',
    '{"auths":{"a":{}},"AUTHS":{"b":{}}}',
    [
      ['a', '', ''],
      ['b', '', ''],
    ],
  ],
  ['null auths drops what came before', '{"auths":{"a":{}},"Auths":null,"auths":{"b":{}}}', [['b', '', '']]],
  [
    'repeated registry key: the last entry, at the first position',
    '{"auths":{"a":{"username":"1"},"b":{},"a":{"username":"2"}}}',
    [
      ['a', '2', ''],
      ['b', '', ''],
    ],
  ],
  ['HttpHeaders of strings are fine', '{"HttpHeaders":{"X":"y","Z":null},"auths":{"r":{}}}', [['r', '', '']]],
];

t.test('parseDockerConfigJson: what the kubelet reads', async (t) => {
  for (const [name, text, expected] of goodConfigs) t.same(triples(parseDockerConfigJson(text, 's')), expected, name);
});

// [name, .dockerconfigjson text, text the message must contain]
const badConfigs: readonly (readonly [string, string, string])[] = [
  ['URL-safe base64 alphabet', `{"auths":{"r.io":{"auth":"dXNlcj-_cGFzcw"}}}`, 'bad base64 in "auth" of key "r.io"'],
  ['invalid character', `{"auths":{"r.io":{"auth":"dXNl!cjpw"}}}`, 'bad base64'],
  ['space inside', `{"auths":{"r.io":{"auth":"dXNl cjpw"}}}`, 'bad base64'],
  ['padding missing one =', `{"auths":{"r.io":{"auth":"YTpiYw="}}}`, 'wrong-padding'],
  ['unpadded value with = inside', `{"auths":{"r.io":{"auth":"YQ==YQ"}}}`, 'bad base64'],
  ['too short', `{"auths":{"r.io":{"auth":"Y"}}}`, 'truncated'],
  ['no colon after decoding', `{"auths":{"r.io":{"auth":"${b64('useronly')}"}}}`, "no ':'"],
  ['auths is an array', '{"auths":[]}', '"auths" must be an object, not an array'],
  ['auths is a string', '{"auths":"x"}', '"auths" must be an object'],
  ['AUTHS is a number', '{"AUTHS":5}', '"auths" must be an object'],
  ['entry is a string', '{"auths":{"r.io":"x"}}', 'the entry of key "r.io" must be an object'],
  ['entry is an array', '{"auths":{"r.io":[]}}', 'must be an object'],
  ['username is a number', '{"auths":{"r.io":{"username":5}}}', '"username" of key "r.io" must be a string'],
  ['password is an object', '{"auths":{"r.io":{"Password":{}}}}', '"password" of key "r.io" must be a string'],
  ['email is a boolean', '{"auths":{"r.io":{"email":true}}}', '"email"'],
  ['auth is a number', '{"auths":{"r.io":{"auth":1}}}', '"auth"'],
  ['HttpHeaders is an array', '{"HttpHeaders":[],"auths":{}}', '"HttpHeaders" must be an object'],
  ['HttpHeaders value is a number', '{"httpheaders":{"X":1}}', '"HttpHeaders" values'],
  ['document is an array', '[]', 'must be a JSON object'],
  ['document is a string', '"x"', 'must be a JSON object'],
  ['invalid JSON', '{"auths":', 'invalid JSON'],
  ['empty text', '', 'invalid JSON'],
  ['one bad entry among good ones', `{"auths":{"a":{"auth":"${b64('u:p')}"},"b":{"auth":"%%%"}}}`, 'key "b"'],
];

t.test('parseDockerConfigJson: what makes the kubelet fail', async (t) => {
  for (const [name, text, expected] of badConfigs) {
    const error = catchError(() => parseDockerConfigJson(text, 'regcred'));
    t.type(error, PullSecretError, name);
    t.type(error, PullguardError, name);
    if (!(error instanceof PullSecretError)) continue;
    t.equal(error.code, 'PULL_SECRET_INVALID', name);
    t.equal(error.secret, 'regcred', name);
    t.match(error.message, 'image pull secret "regcred" cannot be decoded', name);
    t.match(error.message, expected, name);
  }
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

t.test('error messages never carry a credential', async (t) => {
  const secretPassword = 'Sup3r-S3cret-Passw0rd';
  const texts = [
    `{"auths":{"r.io":{"auth":"${b64(secretPassword)}"}}}`, // decodes, but has no ':'
    `{"auths":{"r.io":{"auth":"${b64(`user:${secretPassword}`).replace(/[A-Z]/, '-')}"}}}`,
    `{"auths":{"r.io":{"password":"${secretPassword}" "username":1}}}`,
    `{"auths":{"https://user:${secretPassword}@r.io":{"username":5}}}`,
  ];
  for (const text of texts) {
    try {
      parseDockerConfigJson(text, 's');
      t.fail('expected an error');
    } catch (error) {
      t.type(error, PullSecretError);
      const message = error instanceof Error ? error.message : '';
      t.notOk(message.includes(secretPassword), message);
      t.notOk(message.includes(b64(secretPassword)), message);
    }
  }
});

t.test('the userinfo of a registry key is redacted in messages', async (t) => {
  t.throws(
    () => parseDockerConfigJson('{"auths":{"https://bob:hunter2@r.io/x":{"username":5}}}', 's'),
    /key "https:\/\/<redacted>@r\.io\/x"/,
  );
});

t.test('entries print without their password', async (t) => {
  const [entry] = parseDockerConfigJson(`{"auths":{"r.io":{"auth":"${b64('u:topsecret')}"}}}`, 's');
  t.ok(entry);
  if (entry === undefined) return;
  t.equal(entry.password, 'topsecret');
  t.same({ ...entry }, { key: 'r.io', username: 'u', password: 'topsecret' });
  t.notMatch(JSON.stringify(entry), /topsecret/);
  t.notMatch(inspect(entry), /topsecret/);
  t.notMatch(inspect([entry], { depth: 5 }), /topsecret/);
  t.ok(Object.isFrozen(entry));
});

t.test('parseDockerCfg: the bare registry map', async (t) => {
  t.same(triples(parseDockerCfg(`{"registry.io":{"auth":"${b64('u:p')}"},"other.io":{"Username":"o"}}`, 's')), [
    ['registry.io', 'u', 'p'],
    ['other.io', 'o', ''],
  ]);
  // An "auths" wrapper is just a registry key named "auths" with no known fields.
  t.same(triples(parseDockerCfg('{"auths":{"registry.io":{"username":"u"}}}', 's')), [['auths', '', '']]);
  t.same(parseDockerCfg('null', 's'), []);
  t.throws(() => parseDockerCfg('[]', 's'), PullSecretError);
  t.throws(() => parseDockerCfg('{"r":{"auth":"x-y"}}', 's'), PullSecretError);
});

const configJson = `{"auths":{"registry.io":{"auth":"${b64('u:p')}"}}}`;
const dockercfg = `{"registry.io":{"auth":"${b64('u:p')}"}}`;

// [name, secret, expected: entries, null (ignored) or 'error']
const secretCases: readonly (readonly [string, SecretLike, [string, string, string][] | null | 'error'])[] = [
  [
    'dockerconfigjson type and key',
    { metadata: { name: 'a' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(configJson) } },
    [['registry.io', 'u', 'p']],
  ],
  [
    'dockercfg type and key',
    { metadata: { name: 'a' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(dockercfg) } },
    [['registry.io', 'u', 'p']],
  ],
  [
    'Opaque secret holding .dockerconfigjson is ignored',
    { metadata: { name: 'a' }, type: 'Opaque', data: { '.dockerconfigjson': b64(configJson) } },
    null,
  ],
  ['no type is ignored', { metadata: { name: 'a' }, data: { '.dockerconfigjson': b64(configJson) } }, null],
  [
    'dockerconfigjson type with the .dockercfg key is ignored',
    { type: 'kubernetes.io/dockerconfigjson', data: { '.dockercfg': b64(dockercfg) } },
    null,
  ],
  [
    'dockercfg type with the .dockerconfigjson key is ignored',
    { type: 'kubernetes.io/dockercfg', data: { '.dockerconfigjson': b64(configJson) } },
    null,
  ],
  ['empty value is ignored', { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '' } }, null],
  ['no data is ignored', { type: 'kubernetes.io/dockerconfigjson' }, null],
  [
    'dockercfg content in a dockerconfigjson secret: no auths, nothing used',
    { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(dockercfg) } },
    [],
  ],
  [
    'undecodable content of an ignored Opaque secret does not matter',
    { type: 'Opaque', data: { '.dockerconfigjson': b64('{"auths":[]}') } },
    null,
  ],
  [
    '"auths": [] passes the API but the kubelet cannot decode it',
    {
      metadata: { name: 'a' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64('{"auths":[]}') },
    },
    'error',
  ],
  ['invalid JSON', { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64('{not json') } }, 'error'],
  [
    'a byte order mark is not JSON for Go',
    { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(`\ufeff${configJson}`) } },
    'error',
  ],
  [
    'data that is not base64',
    { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'not base64!' } },
    'error',
  ],
];

t.test('readPullSecret: type and key must match', async (t) => {
  for (const [name, secret, expected] of secretCases) {
    if (expected === 'error') {
      t.throws(() => readPullSecret(secret), PullSecretError, name);
      continue;
    }
    const entries = readPullSecret(secret);
    t.same(entries === null ? null : triples(entries), expected, name);
  }
});

t.test('readPullSecret names the secret, or says it has none', async (t) => {
  const broken = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":[]}') } };
  t.throws(() => readPullSecret({ ...broken, metadata: { name: 'team-creds' } }), {
    secret: 'team-creds',
    message: /image pull secret "team-creds" cannot be decoded: "auths" must be an object, not an array/,
  });
  t.throws(() => readPullSecret(broken), { secret: '', message: /image pull secret \(unnamed\)/ });
});
