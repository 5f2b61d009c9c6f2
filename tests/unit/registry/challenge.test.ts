import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseChallenges, selectChallenge } from '../../../server/registry/challenge.ts';

interface Vector {
  id: string;
  headers: string[];
  expected: { scheme: string; params: Record<string, string> }[];
  containerd_uses: string | null;
  why: string;
}

// A copy of /work/shared/vectors/www-authenticate.json (REGISTRY.md §10), kept beside the test.
const vectorsFile = new URL('./www-authenticate.vectors.json', import.meta.url);
const vectors = JSON.parse(readFileSync(vectorsFile, 'utf8')) as {
  count: number;
  cases: Vector[];
};

t.equal(vectors.cases.length, 30, 'all 30 vectors are loaded');
t.equal(vectors.count, vectors.cases.length);

for (const vector of vectors.cases) {
  t.test(`${vector.id}: ${vector.why}`, async (t) => {
    const parsed = parseChallenges(vector.headers).map((challenge) => ({
      scheme: challenge.scheme,
      params: { ...challenge.params },
    }));
    t.strictSame(parsed, vector.expected, 'parses like distribution');
    const chosen = selectChallenge(parseChallenges(vector.headers), { hasCredential: true });
    t.equal(
      chosen?.scheme ?? null,
      vector.containerd_uses,
      'acts on the challenge containerd would (with credentials)',
    );
  });
}

t.test('basic is chosen only when a credential exists', async (t) => {
  const basic = parseChallenges(['Basic realm="registry"']);
  t.equal(selectChallenge(basic, { hasCredential: false }), undefined);
  t.equal(selectChallenge(basic, { hasCredential: true })?.scheme, 'basic');
  const both = parseChallenges(['Basic realm="r"', 'Bearer realm="https://t.example/token"']);
  t.equal(selectChallenge(both, { hasCredential: false })?.scheme, 'bearer', 'bearer first, whatever the order');
});

t.test('a parameter named __proto__ is kept as data', async (t) => {
  const [challenge] = parseChallenges(['Bearer __proto__="x",realm="https://t.example/token"']);
  t.equal(challenge?.params.realm, 'https://t.example/token');
  t.equal(Object.getPrototypeOf(challenge?.params), null);
});
