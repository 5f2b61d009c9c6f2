import t from 'tap';
import { type Base64Problem, decodeDockerAuthField, decodeGoBase64 } from '../../../server/auth/go-base64.ts';

type Expected = string | Base64Problem;

// [input, padded (StdEncoding) or not (RawStdEncoding), decoded text or problem]
const cases: readonly (readonly [string, boolean, Expected])[] = [
  ['', true, ''],
  ['', false, ''],
  ['dXNlcjpwYXNz', true, 'user:pass'],
  ['dXNlcjpwYXNz', false, 'user:pass'],
  ['YQ==', true, 'a'],
  ['YWI=', true, 'ab'],
  ['YQ', false, 'a'],
  ['YWI', false, 'ab'],
  ['YR==', true, 'a'], // non-zero trailing bits are ignored (not strict mode)
  // newlines are skipped anywhere, padding included
  ['YW\nJj\r\n', true, 'abc'],
  ['YQ=\n=', true, 'a'],
  ['YQ==\n', true, 'a'],
  // padding rules
  ['YQ', true, 'truncated'],
  ['YWI', true, 'truncated'],
  ['Y', false, 'truncated'],
  ['Y', true, 'truncated'],
  ['YQ=', true, 'wrong-padding'],
  ['YQ===', true, 'wrong-padding'],
  ['Y===', true, 'wrong-padding'],
  ['====', true, 'wrong-padding'],
  ['YQ==YQ==', true, 'wrong-padding'],
  ['YQ=a', true, 'wrong-padding'],
  ['YQ==', false, 'invalid-character'], // RawStdEncoding has no padding character
  // alphabet: standard only
  ['+/8=', true, '\ufffd\ufffd'],
  ['-_8=', true, 'invalid-character'],
  ['dXNl-_', false, 'invalid-character'],
  ['dXNl cjpw', false, 'invalid-character'],
  ['dXNl\tcjpw', false, 'invalid-character'],
  ['dXNl!cjpw', false, 'invalid-character'],
  ['dXNlé', false, 'invalid-character'],
];

function render(result: ReturnType<typeof decodeGoBase64>): Expected {
  return result.ok ? result.bytes.toString('utf8') : result.problem;
}

t.test('Go StdEncoding / RawStdEncoding table', async (t) => {
  for (const [input, padded, expected] of cases) {
    t.equal(render(decodeGoBase64(input, padded)), expected, `${JSON.stringify(input)} padded=${padded}`);
  }
});

t.test('exact bytes for the standard-only characters', async (t) => {
  const result = decodeGoBase64('+/8=', true);
  t.ok(result.ok);
  if (result.ok) t.same([...result.bytes], [0xfb, 0xff]);
});

// The kubelet's rule for "auth": padded iff the trimmed value ends with '=' (the untrimmed value is decoded).
const authCases: readonly (readonly [string, Expected])[] = [
  ['YQ==', 'a'],
  ['YQ', 'a'],
  ['YWJj', 'abc'],
  ['YQ==\n', 'a'],
  ['YQ\n', 'a'],
  ['YQ=', 'wrong-padding'],
  [' YQ== ', 'invalid-character'],
  ['YQ== ', 'wrong-padding'], // data after the padding
  ['YQ\u0085', 'invalid-character'],
  ['YQ==\u00a0', 'wrong-padding'],
];

t.test('auth field: padding chosen from the trimmed value', async (t) => {
  for (const [input, expected] of authCases)
    t.equal(render(decodeDockerAuthField(input)), expected, JSON.stringify(input));
});
