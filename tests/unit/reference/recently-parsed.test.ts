import t from 'tap';
import { tryParseReference } from '../../../server/reference/index.ts';

t.test('a valid reference parsed again is the same frozen answer; the memory of them is bounded', async (t) => {
  const first = tryParseReference('ghcr.io/acme/recent:v1');
  const again = tryParseReference('ghcr.io/acme/recent:v1');
  t.equal(again, first, 'the same result object');
  t.ok(Object.isFrozen(first) && first.ok && Object.isFrozen(first.reference), 'frozen, so sharing is safe');

  for (let index = 0; index < 3000; index += 1) tryParseReference(`ghcr.io/acme/filler-${index}:v1`);
  const later = tryParseReference('ghcr.io/acme/recent:v1');
  t.not(later, first, 'pushed out by newer ones: parsed anew');
  t.same(later, first, 'to the same value');
});

t.test('invalid references are not remembered (each gets its own error)', async (t) => {
  const first = tryParseReference('Nginx');
  const again = tryParseReference('Nginx');
  t.notOk(first.ok);
  t.not(again, first);
  t.same(again, first);
});
