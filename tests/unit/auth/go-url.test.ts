import t from 'tap';
import { type GoUrl, parseGoUrl, splitGoHostPort } from '../../../server/auth/go-url.ts';

// [raw, expected]: null where Go's url.Parse returns an error.
const parseCases: readonly (readonly [string, GoUrl | null])[] = [
  ['https://registry.io', { host: 'registry.io', path: '' }],
  ['https://registry.io/', { host: 'registry.io', path: '/' }],
  ['http://registry.io:5000/a/b', { host: 'registry.io:5000', path: '/a/b' }],
  ['https:///only/path', { host: '', path: '/only/path' }],
  ['https://', { host: '', path: '' }],
  // userinfo is dropped; the last '@' ends it; its characters are checked
  ['https://user:pw@registry.io/x', { host: 'registry.io', path: '/x' }],
  ['https://u@v@registry.io', { host: 'registry.io', path: '' }],
  ['https://us er@registry.io', null],
  ['https://user:p%zz@registry.io', null],
  // query and fragment are cut off before the authority is read
  ['https://reg?.example.com', { host: 'reg', path: '' }],
  ['https://registry.io/team?x=1', { host: 'registry.io', path: '/team' }],
  ['https://registry.io#frag/ment', { host: 'registry.io', path: '' }],
  ['https://registry.io#%zz', null],
  // the path is unescaped; a bad escape is an error
  ['https://registry.io/te%61m', { host: 'registry.io', path: '/team' }],
  ['https://registry.io/a%2Fb', { host: 'registry.io', path: '/a/b' }],
  ['https://registry.io/%zz', null],
  ['https://registry.io/%4', null],
  // host characters: sub-delims and '*' allowed; '%' only for non-ASCII bytes (or %25)
  ['https://*.example.com', { host: '*.example.com', path: '' }],
  ["https://a!$&'()*+,;=b.io", { host: "a!$&'()*+,;=b.io", path: '' }],
  ['https://reg%C3%A9.io', { host: 'regé.io', path: '' }],
  ['https://reg%41.io', null],
  ['https://re g.io', null],
  ['https://reg^.io', null],
  ['https://reg\\.io', null],
  ['https://reg{x}.io', null],
  ['https://registry.io\n', null],
  ['https://registry.io\u007f', null],
  // ports: digits only after the first colon of an unbracketed host
  ['https://registry.io:443', { host: 'registry.io:443', path: '' }],
  ['https://registry.io:', { host: 'registry.io:', path: '' }],
  ['https://registry.io:abc', null],
  ['https://a:1:2', null],
  ['https://HTTPS://registry.io', { host: 'HTTPS:', path: '//registry.io' }],
  // brackets: only at the start, around an IPv6 address (current Go)
  ['https://[::1]:5000/x', { host: '[::1]:5000', path: '/x' }],
  ['https://[fe80::1%25en0]', { host: '[fe80::1%en0]', path: '' }],
  ['https://[1.2.3.4]', null],
  ['https://[abc]', null],
  ['https://[::1', null],
  ['https://[::1]x', null],
  ['https://reg[0-9].example.com', null],
  ['https://[a-z]*.example.com', null],
];

t.test('parseGoUrl table', async (t) => {
  for (const [raw, expected] of parseCases) t.same(parseGoUrl(raw), expected, JSON.stringify(raw));
});

const splitCases: readonly (readonly [string, { host: string; port: string } | null])[] = [
  ['registry.io:5000', { host: 'registry.io', port: '5000' }],
  ['registry.io:', { host: 'registry.io', port: '' }],
  ['registry.io', null],
  ['', null],
  ['[::1]:80', { host: '::1', port: '80' }],
  ['[::1]', null],
  ['[::1]80', null],
  ['a:b:c', null],
  ['a]:80', null],
];

t.test('splitGoHostPort table (net.SplitHostPort)', async (t) => {
  for (const [hostport, expected] of splitCases) t.same(splitGoHostPort(hostport), expected, JSON.stringify(hostport));
});
