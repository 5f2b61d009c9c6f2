/**
 * References the kubelet accepts: the normalized domain, path, tag, digest, and what the runtime pulls.
 * Every expectation was checked against distribution/reference v0.6.0 ParseNormalizedNamed.
 */
import t from 'tap';
import { parseReference, tryParseReference } from '../../../server/reference/index.ts';
import { validCases as valid } from './reference-cases.ts';

t.test('valid references parse to the kubelet normalization', async (t) => {
  for (const c of valid) {
    const r = parseReference(c.input);
    const name = c.domain === '' ? c.path : `${c.domain}/${c.path}`;
    t.strictSame(
      { input: r.input, domain: r.domain, path: r.path, name: r.name, tag: r.tag, digest: r.digest, ref: r.ref },
      {
        input: c.input,
        domain: c.domain,
        path: c.path,
        name,
        tag: c.tag ?? null,
        digest: c.digest ?? null,
        ref: c.ref,
      },
      `${c.why}: ${c.input.slice(0, 80)}`,
    );
  }
});

t.test('tryParseReference agrees with parseReference on valid input', async (t) => {
  for (const c of valid) {
    const result = tryParseReference(c.input);
    t.ok(result.ok, c.why);
    if (result.ok) t.strictSame(result.reference, parseReference(c.input), c.why);
  }
});

t.test('parsed references are frozen', async (t) => {
  const r = parseReference('nginx');
  t.ok(Object.isFrozen(r));
  t.throws(() => {
    (r as { domain: string }).domain = 'evil.example';
  });
});
