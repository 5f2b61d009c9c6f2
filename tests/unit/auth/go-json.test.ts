import t from 'tap';
import { foldGoFieldName, JsonSyntaxError, parseGoJson } from '../../../server/auth/go-json.ts';

t.test('objects keep member order and duplicates', async (t) => {
  t.same(parseGoJson('{"b":1,"a":2,"b":3}'), {
    kind: 'object',
    members: [
      ['b', 1],
      ['a', 2],
      ['b', 3],
    ],
  });
  t.same(parseGoJson(' [ {} , [] , "x" , -1.5e3 , true , false , null ] '), {
    kind: 'array',
    items: [{ kind: 'object', members: [] }, { kind: 'array', items: [] }, 'x', -1500, true, false, null],
  });
  t.equal(parseGoJson('null'), null);
  t.equal(parseGoJson('"a\\"\\\\\\/\\b\\f\\n\\r\\t"'), 'a"\\/\b\f\n\r\t');
});

t.test('surrogate escapes as Go decodes them', async (t) => {
  const cases: readonly (readonly [string, string])[] = [
    ['"\\ud83d\\ude00"', '😀'],
    ['"\\ud800"', '\ufffd'],
    ['"\\ud800\\u0041"', '\ufffdA'],
    ['"\\udc00"', '\ufffd'],
    ['"\\udc00\\ud800"', '\ufffd\ufffd'],
    ['"\\u00e9"', 'é'],
    ['"\ud800"', '\ufffd'], // a lone surrogate in the text itself (invalid UTF-8 for Go)
  ];
  for (const [json, expected] of cases) t.equal(parseGoJson(json), expected, json);
});

t.test('syntax errors', async (t) => {
  const bad = [
    '',
    ' ',
    '{',
    '{"a"}',
    '{"a":}',
    '{"a":1,}',
    '{a:1}',
    "{'a':1}",
    '[1,]',
    '[1 2]',
    '01',
    '1.',
    '-',
    '.5',
    '+1',
    '1 2',
    'tru',
    'nul',
    'NaN',
    '"\u0001"',
    '"\\q"',
    '"\\u12"',
    '"abc',
    '\ufeff{}',
    '{}x',
    '{"a":1}}',
  ];
  for (const json of bad) t.throws(() => parseGoJson(json), JsonSyntaxError, JSON.stringify(json));
});

t.test('error messages carry an offset, never the input', async (t) => {
  const secretish = '{"auths":{"r":{"password":"hunter2-secret" oops}}}';
  try {
    parseGoJson(secretish);
    t.fail('expected an error');
  } catch (error) {
    t.type(error, JsonSyntaxError);
    if (!(error instanceof JsonSyntaxError)) return;
    t.equal(error.offset, secretish.indexOf('oops'));
    t.notMatch(error.message, /hunter2|oops/);
  }
});

t.test('nesting: 10000 levels like Go, more is an error, no stack overflow', async (t) => {
  const depth = 10000;
  t.doesNotThrow(() => parseGoJson('['.repeat(depth) + ']'.repeat(depth)));
  t.doesNotThrow(() => parseGoJson(`${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`));
  t.throws(() => parseGoJson('['.repeat(depth + 1) + ']'.repeat(depth + 1)), /exceeded max depth/);
  t.throws(() => parseGoJson('['.repeat(200000)), /exceeded max depth/);
});

t.test('field names fold as Go matches struct fields', async (t) => {
  const cases: readonly (readonly [string, string])[] = [
    ['auths', 'auths'],
    ['AUTHS', 'auths'],
    ['Username', 'username'],
    ['PassWord', 'password'],
    ['uſername', 'username'], // U+017F LATIN SMALL LETTER LONG S folds to 's'
    ['\u212aey', 'key'], // U+212A KELVIN SIGN folds to 'k'
    ['HttpHeaders', 'httpheaders'],
    ['user_name', 'user_name'],
  ];
  for (const [name, folded] of cases) t.equal(foldGoFieldName(name), folded, name);
});
