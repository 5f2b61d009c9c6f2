import t from 'tap';
import { type GlobResult, isGoGlobMatch, matchGoGlob } from '../../../server/auth/go-glob.ts';

// [pattern, name, expected]: Go path/filepath.Match on Unix.
const cases: readonly (readonly [string, string, GlobResult])[] = [
  // literals and the empty pattern
  ['abc', 'abc', 'match'],
  ['abc', 'abd', 'mismatch'],
  ['abc', 'ab', 'mismatch'],
  ['', '', 'match'],
  ['', 'a', 'mismatch'],
  // star: any run, never across '/'
  ['*', '', 'match'],
  ['*', 'abc', 'match'],
  ['*c', 'abc', 'match'],
  ['a*', 'a', 'match'],
  ['a*', 'abc', 'match'],
  ['a*', 'ab/c', 'mismatch'],
  ['a*/b', 'abc/b', 'match'],
  ['a*/b', 'a/c/b', 'mismatch'],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', 'match'],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', 'match'],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', 'mismatch'],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', 'mismatch'],
  ['a*b', 'a/b', 'mismatch'],
  ['*x', 'xxx', 'match'],
  ['*-good', 'prefix-good', 'match'],
  ['k*', 'quay', 'mismatch'],
  // question mark: one character (a code point), never '/'
  ['a?c', 'abc', 'match'],
  ['a?c', 'ac', 'mismatch'],
  ['a?b', 'a/b', 'mismatch'],
  ['a?b', 'a☺b', 'match'],
  ['a???b', 'a☺b', 'mismatch'],
  ['a*b?c*x', 'abxbbxdbxebxczzx', 'match'],
  ['a*b?c*x', 'abxbbxdbxebxczzy', 'mismatch'],
  // classes, ranges, negation with '^' ('!' is an ordinary character)
  ['ab[c]', 'abc', 'match'],
  ['ab[b-d]', 'abc', 'match'],
  ['ab[e-g]', 'abc', 'mismatch'],
  ['ab[^c]', 'abc', 'mismatch'],
  ['ab[^b-d]', 'abc', 'mismatch'],
  ['ab[^e-g]', 'abc', 'match'],
  ['a[^a]b', 'a☺b', 'match'],
  ['a[^a][^a][^a]b', 'a☺b', 'mismatch'],
  ['[a-ζ]*', 'α', 'match'],
  ['*[a-ζ]', 'A', 'mismatch'],
  ['reg[0-9]', 'reg7', 'match'],
  ['reg[0-9]', 'rega', 'mismatch'],
  ['[a-cx-z]', 'y', 'match'],
  ['[a-cx-z]', 'm', 'mismatch'],
  ['a[!b]c', 'a!c', 'match'],
  ['a[!b]c', 'axc', 'mismatch'],
  ['[/]', '/', 'match'],
  // escapes, outside and inside classes
  ['a\\*b', 'a*b', 'match'],
  ['a\\*b', 'ab', 'mismatch'],
  ['a\\?b', 'a?b', 'match'],
  ['a\\?b', 'axb', 'mismatch'],
  ['\\[x]', '[x]', 'match'],
  ['[\\]a]', ']', 'match'],
  ['[\\-]', '-', 'match'],
  ['[x\\-]', 'x', 'match'],
  ['[x\\-]', '-', 'match'],
  ['[x\\-]', 'z', 'mismatch'],
  ['[\\-x]', 'x', 'match'],
  ['[\\-x]', '-', 'match'],
  ['[\\-x]', 'a', 'mismatch'],
  // malformed patterns: an error, reported even after the name stopped matching
  ['[]a]', ']', 'bad-pattern'],
  ['[]', 'a', 'bad-pattern'],
  ['[^]', 'a', 'bad-pattern'],
  ['[-]', '-', 'bad-pattern'],
  ['[x-]', 'x', 'bad-pattern'],
  ['[x-]', '-', 'bad-pattern'],
  ['[x-]', 'z', 'bad-pattern'],
  ['[-x]', 'x', 'bad-pattern'],
  ['[a-b-c]', 'a', 'bad-pattern'],
  ['\\', 'a', 'bad-pattern'],
  ['a\\', 'a', 'bad-pattern'],
  ['[', 'a', 'bad-pattern'],
  ['[^', 'a', 'bad-pattern'],
  ['[^bc', 'a', 'bad-pattern'],
  ['a[', 'a', 'bad-pattern'],
  ['a[', 'ab', 'bad-pattern'],
  ['a[', 'x', 'bad-pattern'],
  ['a/b[', 'x', 'bad-pattern'],
  ['x*[', 'xyz', 'bad-pattern'],
  ['*x[', 'xyz', 'bad-pattern'],
];

t.test('Go filepath.Match table', async (t) => {
  for (const [pattern, name, expected] of cases) {
    t.equal(matchGoGlob(pattern, name), expected, `Match(${JSON.stringify(pattern)}, ${JSON.stringify(name)})`);
  }
});

t.test('isGoGlobMatch reads a malformed pattern as no match, as the kubelet does', async (t) => {
  t.equal(isGoGlobMatch('*', 'registry'), true);
  t.equal(isGoGlobMatch('reg[', 'reg['), false);
  t.equal(isGoGlobMatch('other', 'registry'), false);
});
