/**
 * Hostile image strings: the parser must refuse them and must not backtrack catastrophically. Speed is not
 * asserted (these machines are shared and noisy); a runaway regex never finishes, which the subtest's timeout
 * catches. The time each input took is printed as a comment.
 */
import t from 'tap';
import { INPUT_MAX_LENGTH, tryParseReference } from '../../../server/reference/index.ts';

const n = INPUT_MAX_LENGTH - 6;
const hostile: Record<string, string> = {
  'long run then bang': `${'a'.repeat(5000)}!`,
  'just under the cap, run then bang': `${'a'.repeat(n)}!`,
  'dotted labels': `${'a.'.repeat(n / 2)}!`,
  'dashed labels': `${'a-'.repeat(n / 2)}!`,
  'dash runs': `a${'--a'.repeat(n / 3)}_`,
  underscores: `${'a_'.repeat(n / 2)}!`,
  slashes: `${'a/'.repeat(n / 2)}!`,
  'domain then slashes': `${'a.'.repeat(n / 4)}/${'a/'.repeat(n / 4)}!`,
  'domain-like uppercase': `${'A-'.repeat(n / 2 - 2)}A/x!`,
  'mixed separators': `${'a.b-c_d__e/'.repeat(n / 11)}!`,
  'brackets and colons': `[${':'.repeat(n)}!`,
  'unterminated IPv6': `[${'a:'.repeat(n / 2 - 2)}]/x!`,
  'long port': `a:${'1'.repeat(n - 6)}/x!`,
  'long algorithm': `a@${'a'.repeat(n - 3)}!`,
  'dotted algorithm': `a@${'a.a'.repeat(n / 3 - 2)}!`,
  'long hex': `a@sha256:${'a'.repeat(n - 12)}!`,
  'long tag': `a:${'a'.repeat(n - 3)}!`,
  'many colons': 'a:'.repeat(n / 2),
  'many ats': 'a@'.repeat(n / 2),
  'uppercase run': `${'A'.repeat(n)}!`,
  'uppercase slashes': 'A/'.repeat(n / 2),
  'quirk host then junk': `a_b.c/${'a/'.repeat(n / 2 - 4)}!`,
  'control characters': '\u0000\u0001\u0002'.repeat(n / 3),
  'non-ASCII': '\u00e9\u212a\u017f'.repeat(n / 3),
  'lone surrogates': '\ud800'.repeat(n),
  '100k characters': 'a'.repeat(100_000),
  '1M characters': `${'a/'.repeat(500_000)}`,
};

t.test('hostile strings are refused without runaway backtracking', { timeout: 60_000 }, async (t) => {
  for (const [why, input] of Object.entries(hostile)) {
    const started = performance.now();
    const result = tryParseReference(input);
    const elapsed = performance.now() - started;
    t.notOk(result.ok, `${why} is refused`);
    t.comment(`${why}: ${elapsed.toFixed(1)} ms`);
  }
});

t.test('inputs over the cap are refused before parsing, even if well-formed', async (t) => {
  const justOver = `${'d'.repeat(INPUT_MAX_LENGTH)}.example/x`;
  const result = tryParseReference(justOver);
  t.equal(result.ok ? 'ok' : result.error.reason, 'format');
  t.match(result.ok ? '' : result.error.detail, /longer than 4096 characters/);
  const atCap = `${'d'.repeat(INPUT_MAX_LENGTH - 10)}.example/x`;
  t.equal(atCap.length, INPUT_MAX_LENGTH);
  t.ok(tryParseReference(atCap).ok, 'a long host up to the cap still parses, as in Go');
});
