/** References the kubelet refuses with InvalidImageName, and the error pullguard raises for them. */
import t from 'tap';
import { PullguardError } from '../../../server/errors.ts';
import { InvalidReferenceError, parseReference, tryParseReference } from '../../../server/reference/index.ts';
import { invalidCases } from './reference-cases.ts';

t.test('invalid references fail with the expected reason', async (t) => {
  for (const c of invalidCases) {
    const result = tryParseReference(c.input);
    const label = `${c.why}: ${JSON.stringify(c.input).slice(0, 80)}`;
    if (result.ok) {
      t.fail(`${label} parsed as ${result.reference.ref}`);
      continue;
    }
    t.equal(result.error.reason, c.reason, label);
    if (c.detail !== undefined) t.equal(result.error.detail, c.detail, `${label} (detail)`);
  }
});

t.test('parseReference throws the same error', async (t) => {
  for (const c of invalidCases) {
    t.throws(() => parseReference(c.input), { name: 'InvalidReferenceError', reason: c.reason, input: c.input }, c.why);
  }
});

t.test('the error is a coded PullguardError', async (t) => {
  const result = tryParseReference('a:b:c');
  t.equal(result.ok, false);
  if (result.ok) return;
  const error = result.error;
  t.ok(error instanceof InvalidReferenceError);
  t.ok(error instanceof PullguardError);
  t.ok(error instanceof Error);
  t.equal(error.code, 'REFERENCE_INVALID');
  t.equal(error.name, 'InvalidReferenceError');
  t.equal(error.input, 'a:b:c');
  t.equal(error.message, `couldn't parse image name "a:b:c": invalid reference format`);
});

t.test('messages quote the input safely', async (t) => {
  const messageOf = (input: string): string => {
    const result = tryParseReference(input);
    return result.ok ? '' : result.error.message;
  };
  t.equal(messageOf('nginx\n\u001b[31m'), `couldn't parse image name "nginx\\n\\u001b[31m": invalid reference format`);
  t.equal(
    messageOf('NOT A VALID@@ref'),
    `couldn't parse image name "NOT A VALID@@ref": invalid reference format: repository name (library/NOT A VALID@@ref) must be lowercase`,
  );
  t.equal(
    messageOf('x/\u00c9\n'),
    `couldn't parse image name "x/\u00c9\\n": invalid reference format: repository name ("x/\u00c9\\n") must be lowercase`,
    'a repository name with control characters is quoted too',
  );
  const long = `${'a'.repeat(300)}!`;
  const message = messageOf(long);
  t.ok(message.startsWith(`couldn't parse image name "${'a'.repeat(100)}"... (301 chars): `), message.slice(0, 140));
  t.ok(message.length < 200, 'the message stays short');
  const hostile = 'A'.repeat(5000);
  t.ok(messageOf(`x/${hostile}`).length < 400, 'a long uppercase repository name is cut in the message');
  t.ok(messageOf('z'.repeat(100_000)).length < 250, 'a huge input gives a short message');
});

t.test('non-string input is a format error, not a crash', async (t) => {
  for (const value of [undefined, null, 42, {}]) {
    const result = tryParseReference(value as unknown as string);
    t.equal(result.ok ? 'ok' : result.error.reason, 'format', String(value));
  }
});
