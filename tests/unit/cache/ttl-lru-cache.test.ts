import t from 'tap';
import { TtlLruCache } from '../../../server/cache/ttl-lru-cache.ts';

function makeCache(maxEntries = 3) {
  let now = 1_000;
  const cache = new TtlLruCache<string, number>({ maxEntries, now: () => now });
  return {
    cache,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

t.test('a value lives exactly its ttl', async (t) => {
  const { cache, advance } = makeCache();
  cache.set('a', 1, 100);
  t.equal(cache.get('a'), 1);
  advance(99);
  t.equal(cache.get('a'), 1, 'still live 1 ms before expiry');
  advance(1);
  t.equal(cache.get('a'), undefined, 'expired at its ttl');
  t.equal(cache.size, 0, 'an expired entry that was touched is dropped');
});

t.test('entries expire independently', async (t) => {
  const { cache, advance } = makeCache();
  cache.set('short', 1, 10);
  cache.set('long', 2, 1_000);
  advance(10);
  t.equal(cache.get('short'), undefined);
  t.equal(cache.get('long'), 2);
});

t.test('set replaces the value and restarts its ttl', async (t) => {
  const { cache, advance } = makeCache();
  cache.set('a', 1, 100);
  advance(80);
  cache.set('a', 2, 100);
  advance(80);
  t.equal(cache.get('a'), 2);
  t.equal(cache.size, 1);
});

t.test('a ttl of zero, a negative one or NaN stores nothing and drops the old entry', async (t) => {
  for (const ttl of [0, -5, Number.NaN]) {
    const { cache } = makeCache();
    cache.set('a', 1, 100);
    cache.set('a', 2, ttl);
    t.equal(cache.get('a'), undefined, `ttl ${ttl}`);
    t.equal(cache.size, 0);
  }
});

t.test('an infinite ttl keeps the entry until it is evicted', async (t) => {
  const { cache, advance } = makeCache(1);
  cache.set('a', 1, Number.POSITIVE_INFINITY);
  advance(1e12);
  t.equal(cache.get('a'), 1);
  cache.set('b', 2, 10);
  t.equal(cache.get('a'), undefined, 'evicted by a newer entry');
});

t.test('past maxEntries the least recently used entry goes', async (t) => {
  const { cache } = makeCache(3);
  cache.set('a', 1, 1_000);
  cache.set('b', 2, 1_000);
  cache.set('c', 3, 1_000);
  t.equal(cache.get('a'), 1, 'touching a makes b the least recently used');
  cache.set('d', 4, 1_000);
  t.equal(cache.size, 3);
  t.equal(cache.get('b'), undefined, 'b evicted');
  t.same(
    ['a', 'c', 'd'].map((key) => cache.get(key)),
    [1, 3, 4],
  );
});

t.test('re-setting a key counts as a use', async (t) => {
  const { cache } = makeCache(2);
  cache.set('a', 1, 1_000);
  cache.set('b', 2, 1_000);
  cache.set('a', 10, 1_000);
  cache.set('c', 3, 1_000);
  t.equal(cache.get('a'), 10);
  t.equal(cache.get('b'), undefined);
});

t.test('delete, clear and prune', async (t) => {
  const { cache, advance } = makeCache(10);
  cache.set('a', 1, 10);
  cache.set('b', 2, 20);
  cache.set('c', 3, 30);
  t.equal(cache.delete('a'), true);
  t.equal(cache.delete('a'), false);
  advance(25);
  t.equal(cache.size, 2, 'size counts untouched expired entries');
  t.equal(cache.prune(), 1);
  t.equal(cache.size, 1);
  cache.clear();
  t.equal(cache.size, 0);
  t.equal(cache.get('c'), undefined);
});

t.test('maxEntries must be a positive integer', async (t) => {
  for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
    t.throws(() => new TtlLruCache({ maxEntries, now: () => 0 }), RangeError, `maxEntries ${maxEntries}`);
  }
});
