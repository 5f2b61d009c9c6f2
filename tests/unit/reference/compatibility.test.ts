/** REGISTRY.md §1.6: what older parsers refuse while v0.6.0 accepts, reported as warnings. */
import t from 'tap';
import { compatibilityWarnings, parseReference } from '../../../server/reference/index.ts';
import { hex64 } from './reference-cases.ts';

const cases: { input: string; warnings: RegExp[]; why: string }[] = [
  { why: 'plain Hub name', input: 'nginx', warnings: [] },
  { why: 'registry name', input: `ghcr.io/a/b:1@sha256:${hex64}`, warnings: [] },
  { why: 'uppercase with a dot is a host for old parsers too', input: 'Docker.io/nginx', warnings: [] },
  { why: 'uppercase with a port is a host for old parsers too', input: 'MyHost:5000/app', warnings: [] },
  { why: 'empty-domain quirk parses the same in old parsers', input: 'example_com.io/foo', warnings: [] },
  { why: 'localhost', input: 'localhost:5000/x', warnings: [] },
  {
    why: 'uppercase first component',
    input: 'Foo/bar',
    warnings: [/^uppercase registry host "Foo" .*kubelet <=1\.28.*CRI-O/],
  },
  {
    why: 'bracketed IPv6 with port',
    input: '[::1]:5000/foo',
    warnings: [/^IPv6 registry host "\[::1\]:5000" .*CRI-O/],
  },
  { why: 'bracketed IPv6 without port', input: '[2001:db8::1]/repo', warnings: [/^IPv6 registry host/] },
  { why: 'whole name of 255 with docker.io', input: `docker.io/x/${'a'.repeat(243)}`, warnings: [] },
  {
    why: 'single component of 247 (whole name 265)',
    input: 'a'.repeat(247),
    warnings: [/^name is 265 chars \(>255\)/],
  },
  { why: 'single component of 238 (whole name 256)', input: 'a'.repeat(238), warnings: [/^name is 256 chars/] },
  { why: 'single component of 237 (whole name 255)', input: 'a'.repeat(237), warnings: [] },
  { why: 'path of 255 behind a host', input: `ghcr.io/${'p'.repeat(255)}`, warnings: [/^name is 263 chars/] },
  {
    why: 'all three at once',
    input: `[FC00::1]:5000/${'p'.repeat(250)}`,
    warnings: [/^IPv6 registry host/, /^name is 265 chars/],
  },
  {
    why: 'uppercase host and long name',
    input: `REG/${'p'.repeat(252)}`,
    warnings: [/^uppercase registry host "REG"/, /^name is 256 chars/],
  },
];

t.test('warnings for references some node parsers refuse', async (t) => {
  for (const c of cases) {
    const warnings = compatibilityWarnings(parseReference(c.input));
    t.equal(warnings.length, c.warnings.length, `${c.why}: ${JSON.stringify(warnings)}`);
    c.warnings.forEach((pattern, i) => {
      t.match(warnings[i], pattern, c.why);
    });
    for (const warning of warnings) {
      t.ok(warning.length <= 100, `${c.why}: warning within 100 chars (${warning.length})`);
      t.match(warning, /^[\x20-\x7e]+$/, `${c.why}: warning is printable ASCII`);
    }
  }
});

t.test('a long uppercase host is cut in the warning', async (t) => {
  const host = `H${'x'.repeat(300)}`;
  const warnings = compatibilityWarnings(parseReference(`${host}/app`));
  t.equal(warnings.length, 2, 'uppercase host and whole-name length');
  for (const warning of warnings) t.ok(warning.length <= 100, warning);
});
