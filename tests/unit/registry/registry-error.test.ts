import t from 'tap';
import { PullguardError } from '../../../server/errors.ts';
import { parseErrorCodes, RegistryError, redactUrl } from '../../../server/registry/registry-error.ts';
import { parseRetryAfter } from '../../../server/registry/retry-after.ts';

t.test('RegistryError carries status, codes, temporary and a redacted URL', async (t) => {
  const error = new RegistryError({
    reason: 'status',
    method: 'GET',
    url: 'https://user:pw@auth.example/token?service=reg&scope=repository:a:pull&access_token=SECRET#frag',
    phase: 'token',
    status: 503,
    codes: ['UNAVAILABLE'],
    detail: 'token endpoint auth.example answered 503',
  });
  t.type(error, PullguardError);
  t.equal(error.code, 'REGISTRY_ERROR');
  t.equal(error.name, 'RegistryError');
  t.equal(error.temporary, true);
  t.same(error.codes, ['UNAVAILABLE']);
  t.notMatch(error.url, /SECRET|user|pw|frag/);
  t.notMatch(error.message, /SECRET|pw/);
  t.match(error.url, /service=reg/);
  t.match(error.url, /access_token=REDACTED/);
});

t.test('temporary: 429, 5xx, timeouts and connection errors', async (t) => {
  const make = (reason: RegistryError['reason'], status?: number) =>
    new RegistryError({ reason, status, method: 'HEAD', url: 'https://r.example/v2/', phase: 'manifest', detail: 'x' });
  t.equal(make('status', 429).temporary, true);
  t.equal(make('status', 500).temporary, true);
  t.equal(make('status', 599).temporary, true);
  t.equal(make('status', 404).temporary, false);
  t.equal(make('status', 401).temporary, false);
  for (const reason of ['timeout', 'dns', 'refused', 'connection'] as const) t.equal(make(reason).temporary, true);
  for (const reason of ['blocked', 'garbage', 'too-large', 'tls', 'redirects'] as const) {
    t.equal(make(reason).temporary, false, reason);
  }
});

t.test('redactUrl', async (t) => {
  t.equal(
    redactUrl('https://r.example/v2/a/manifests/v1?ns=docker.io'),
    'https://r.example/v2/a/manifests/v1?ns=docker.io',
  );
  t.equal(redactUrl('https://s3.example/blob?X-Amz-Signature=abc'), 'https://s3.example/blob?X-Amz-Signature=REDACTED');
  t.equal(redactUrl('not a url'), '<unparseable url>');
});

t.test('error codes from a distribution error body', async (t) => {
  const body = (value: unknown) => Buffer.from(JSON.stringify(value));
  t.same(parseErrorCodes(body({ errors: [{ code: 'MANIFEST_UNKNOWN' }, { code: 'name_unknown' }] })), [
    'MANIFEST_UNKNOWN',
    'NAME_UNKNOWN',
  ]);
  t.same(parseErrorCodes(body({ errors: [{ code: 42 }, { code: 'has space' }, null] })), []);
  t.same(parseErrorCodes(Buffer.from('404 page not found')), []);
  t.same(parseErrorCodes(Buffer.from('{"errors": [')), []);
  t.same(parseErrorCodes(Buffer.alloc(0)), []);
  t.equal(parseErrorCodes(body({ errors: Array.from({ length: 50 }, () => ({ code: 'DENIED' })) })).length, 8);
});

t.test('Retry-After: seconds or an HTTP date', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.equal(parseRetryAfter('30', now), 30_000);
  t.equal(parseRetryAfter(['7', '9'], now), 7_000);
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60_000);
  t.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a date in the past means now');
  t.equal(parseRetryAfter('99999999', now), 24 * 60 * 60 * 1000, 'capped at a day');
  t.equal(parseRetryAfter('-1', now), undefined);
  t.equal(parseRetryAfter('soon', now), undefined);
  t.equal(parseRetryAfter('', now), undefined);
  t.equal(parseRetryAfter(undefined, now), undefined);
});
