import t from 'tap';
import { parseTokenResponse } from '../../../server/registry/auth/bearer.ts';
import { credentialIdentity } from '../../../server/registry/auth/credential.ts';
import { TokenCache, tokenLifetimeSeconds } from '../../../server/registry/auth/token-cache.ts';

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

t.test('a token lives exactly its lifetime on the injected clock', async (t) => {
  const clock = fakeClock();
  const cache = new TokenCache({ now: clock.now });
  cache.set('k', 'token-a', 60);
  t.equal(cache.get('k'), 'token-a');
  clock.advance(59_999);
  t.equal(cache.get('k'), 'token-a', 'still valid 1 ms before expiry');
  clock.advance(1);
  t.equal(cache.get('k'), undefined, 'gone at expiry');
  t.equal(cache.size, 0, 'and dropped');
});

t.test('keys are independent, and invalidate only drops the token it names', async (t) => {
  const clock = fakeClock();
  const cache = new TokenCache({ now: clock.now });
  cache.set('a', 'token-a', 300);
  cache.set('b', 'token-b', 60);
  clock.advance(120_000);
  t.equal(cache.get('a'), 'token-a');
  t.equal(cache.get('b'), undefined);
  cache.set('a', 'token-a2', 300);
  cache.invalidate('a', 'token-a');
  t.equal(cache.get('a'), 'token-a2', 'a stale invalidate does not drop a refreshed token');
  cache.invalidate('a', 'token-a2');
  t.equal(cache.get('a'), undefined);
});

t.test('the cache is bounded: expired entries go first, then the oldest', async (t) => {
  const clock = fakeClock();
  const cache = new TokenCache({ now: clock.now, maxEntries: 2 });
  cache.set('short', 's', 60);
  cache.set('long', 'l', 600);
  clock.advance(61_000);
  cache.set('new', 'n', 600);
  t.equal(cache.size, 2);
  t.equal(cache.get('long'), 'l');
  t.equal(cache.get('new'), 'n');
  cache.set('newer', 'n2', 600);
  t.equal(cache.size, 2);
  t.equal(cache.get('long'), undefined, 'the oldest live entry went');
});

t.test('expires_in: default 60, minimum 60', async (t) => {
  const cases: [unknown, number][] = [
    [undefined, 60],
    [null, 60],
    ['300', 60],
    [Number.NaN, 60],
    [0, 60],
    [-5, 60],
    [30, 60],
    [60, 60],
    [300, 300],
    [300.7, 300],
  ];
  for (const [input, expected] of cases) t.equal(tokenLifetimeSeconds(input), expected, String(input));
});

t.test('token responses: access_token over token', async (t) => {
  const parse = (value: unknown) => parseTokenResponse(Buffer.from(JSON.stringify(value)));
  t.same(parse({ token: 't1', access_token: 'a1', expires_in: 120 }), { token: 'a1', lifetimeSeconds: 120 });
  t.same(parse({ token: 't1' }), { token: 't1', lifetimeSeconds: 60 });
  t.same(parse({ access_token: '', token: 't1' }), { token: 't1', lifetimeSeconds: 60 }, 'an empty access_token');
  t.equal(parse({ token: '' }), undefined);
  t.equal(parse({ token: 'a b' }), undefined, 'not a header-safe value');
  t.equal(parse({ token: 'a\r\nX-Injected: 1' }), undefined);
  t.equal(parse({}), undefined);
  t.equal(parse(['t']), undefined);
  t.equal(parseTokenResponse(Buffer.from('{"token": "t1"')), undefined, 'garbage JSON');
  t.equal(parseTokenResponse(Buffer.from('<html>')), undefined);
});

t.test('credential identity: stable, distinct, never the password', async (t) => {
  const alice = { username: 'alice', password: 's3cret-password' };
  t.equal(credentialIdentity(alice), credentialIdentity({ ...alice }));
  t.not(credentialIdentity(alice), credentialIdentity({ username: 'alice', password: 'other' }));
  t.not(
    credentialIdentity({ username: 'a', password: 'b:c' }),
    credentialIdentity({ username: 'a:b', password: 'c' }),
    'no ambiguity between the halves',
  );
  t.notMatch(credentialIdentity(alice), /s3cret/);
  t.match(credentialIdentity(alice), /^sha256:[0-9a-f]{64}$/);
  t.equal(credentialIdentity(undefined), 'anonymous');
  t.equal(credentialIdentity({ username: '', password: 'x' }), 'anonymous', 'Basic needs both halves');
});
