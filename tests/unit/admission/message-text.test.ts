import t from 'tap';
import {
  escapeText,
  escapeWithin,
  quoteImage,
  sanitizeDetail,
  truncateEnd,
  truncateMiddle,
} from '../../../server/admission/message-text.ts';

t.test('escapeText keeps printable ASCII and escapes the rest', async (t) => {
  t.equal(escapeText('nginx:1.27'), 'nginx:1.27');
  t.equal(escapeText('a"b\\c'), 'a\\"b\\\\c');
  t.equal(escapeText('a\u0000\n\u007f\u00e9\u202e'), 'a\\u0000\\u000a\\u007f\\u00e9\\u202e');
  t.equal(escapeText('\u{1f600}'), '\\ud83d\\ude00');
});

t.test('truncation', async (t) => {
  t.equal(truncateMiddle('abcdefghij', 10), 'abcdefghij');
  t.equal(truncateMiddle('abcdefghijk', 9), 'abc...ijk');
  t.equal(truncateMiddle('abcdefghijk', 3), 'abc');
  t.equal(truncateEnd('abcdefghijk', 8), 'abcde...');
});

t.test('escapeWithin never cuts an escape sequence and respects the bound', async (t) => {
  const text = `${'\u0001'.repeat(50)}middle${'\u0002'.repeat(50)}`;
  for (const bound of [10, 20, 33, 64]) {
    const out = escapeWithin(text, bound);
    t.ok(out.length <= bound, `${out.length} <= ${bound}`);
    t.match(out, /^(\\u0001)*\.\.\.(\\u0002)*$/);
  }
  t.equal(escapeWithin('short', 10), 'short');
});

t.test('quoteImage is bounded even for megabytes', async (t) => {
  const quoted = quoteImage('x'.repeat(5_000_000), 50);
  t.equal(quoted.length, 50);
  t.match(quoted, /^"x+\.\.\.x+"$/);
  t.equal(quoteImage('nginx'), '"nginx"');
});

t.test('sanitizeDetail', async (t) => {
  t.equal(
    sanitizeDetail('ghcr.io answered 404\r\nX-Injected: 1', 100),
    'ghcr.io answered 404\\u000d\\u000aX-Injected: 1',
  );
  t.equal(sanitizeDetail('d'.repeat(1000), 20).length, 20);
});

t.test('sanitizeDetail leaves quotes alone (it is not quoted)', async (t) => {
  t.equal(sanitizeDetail('secret "x" cannot be decoded: bad \\ char'), 'secret "x" cannot be decoded: bad \\ char');
});
