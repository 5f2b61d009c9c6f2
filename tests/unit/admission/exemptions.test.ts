import t from 'tap';
import { compileExemptions } from '../../../server/admission/exemptions.ts';
import { ConfigError } from '../../../server/errors.ts';
import { tryParseReference } from '../../../server/reference/index.ts';

function matches(patterns: string[], image: string): string | undefined {
  const parsed = tryParseReference(image);
  return compileExemptions(patterns).match(image, parsed.ok ? parsed.reference : undefined);
}

const digest = `sha256:${'a'.repeat(64)}`;

const table: [string, string, boolean][] = [
  ['nginx', 'nginx', true],
  ['nginx', 'nginx:1.27', false],
  ['nginx:*', 'nginx:1.27', true],
  ['docker.io/library/nginx', 'nginx:1.27', true],
  ['docker.io/library/nginx:1.27', 'nginx:1.27', true],
  ['docker.io/library/nginx:1.27', `nginx:1.27@${digest}`, true],
  [`docker.io/library/nginx@${digest}`, `nginx@${digest}`, true],
  ['docker.io/library/*', 'busybox', true],
  ['docker.io/*', 'busybox', false],
  ['docker.io/**', 'busybox', true],
  ['registry.local/**', 'registry.local/team/app:v1', true],
  ['registry.local/*', 'registry.local/team/app:v1', false],
  ['registry.local/*/app:v?', 'registry.local/team/app:v1', true],
  ['registry.local/*/app:v?', 'registry.local/team/app:v10', false],
  ['*.example.com/**', 'mirror.example.com/a/b', true],
  ['*.example.com/**', 'a.b.example.com/a/b', true],
  ['*.example.com/**', 'example.com/a/b', false],
  ['ghcr.io/acme/(api)', 'ghcr.io/acme/(api)', true],
  ['ghcr.io/acme/a.i', 'ghcr.io/acme/api', false],
  ['[abc]', 'a', false],
  ['NOT VALID@@ref', 'NOT VALID@@ref', true],
];

for (const [pattern, image, expected] of table) {
  t.test(`${pattern} ${expected ? 'matches' : 'does not match'} ${image}`, async (t) => {
    t.equal(matches([pattern], image), expected ? pattern : undefined);
  });
}

t.test('the first matching pattern is reported', async (t) => {
  t.equal(matches(['quay.io/**', 'docker.io/**', 'nginx'], 'nginx'), 'docker.io/**');
});

t.test('no patterns, no match', async (t) => {
  t.equal(matches([], 'nginx'), undefined);
});

t.test('text longer than any reference is never exempt', async (t) => {
  t.equal(matches(['**'], 'x'.repeat(5000)), undefined);
  t.equal(matches(['**'], 'x'.repeat(100)), '**');
});

t.test('bad patterns are configuration errors naming the entry', async (t) => {
  t.throws(() => compileExemptions(['ok', '']), ConfigError);
  t.throws(() => compileExemptions(['a'.repeat(600)]), /admission\.exemptImages\[0\]: longer than 512/);
  t.throws(() => compileExemptions(['ok', '*a*b*c*d*e*f*g*h*i']), /admission\.exemptImages\[1\]: more than 8/);
});
