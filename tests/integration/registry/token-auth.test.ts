/**
 * The registry client against docker-registry with token auth and the harness's issuer: scopes, credentials at the
 * token endpoint only, token reuse, and the two ways issuers refuse anonymous callers.
 */
import t from 'tap';
import { pushImage } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { settingsFor, useClient } from './client-helpers.ts';

const registry = await useRegistry(t, { auth: 'token', publicRepositories: ['public/'] });
const issuer = registry.tokenIssuer;
const alice = registry.users[0];
if (issuer === undefined || alice === undefined) throw new Error('the harness made no issuer or user');
const wrong = { username: alice.username, password: `${alice.password}-wrong` };
const privateImage = await pushImage(registry, { repository: 'private/app', tag: 'v1' });
const publicImage = await pushImage(registry, { repository: 'public/app', tag: 'v1' });
const settings = settingsFor({ [registry.host]: {} });

/** Token requests made after `from` (the harness's own pushes asked for tokens too). */
const tokenRequestsSince = (from: number) => issuer.requests().slice(from);

t.test('a credential: one token for the repository scope, asked with the user, then reused', async (t) => {
  const { lookup } = useClient(t, settings);
  const before = issuer.requests().length;
  const first = await lookup(`${registry.host}/private/app:v1`, { credentials: [alice] });
  t.equal(first.outcome, 'present');
  t.equal(first.digest, privateImage.digest);
  const second = await lookup(`${registry.host}/private/app:v1`, { credentials: [alice] });
  t.equal(second.outcome, 'present');
  const missing = await lookup(`${registry.host}/private/app:v2`, { credentials: [alice] });
  t.equal(missing.outcome, 'absent', 'with access, a missing tag is a definitive 404');
  const requests = tokenRequestsSince(before);
  t.equal(requests.length, 1, 'one token for three lookups in one repository');
  t.same(requests[0]?.scopes, ['repository:private/app:pull']);
  t.equal(requests[0]?.service, issuer.service);
  t.equal(requests[0]?.username, alice.username);
  t.equal(requests[0]?.method, 'GET');

  await lookup(`${registry.host}/public/app:v1`, { credentials: [alice] });
  t.same(tokenRequestsSince(before)[1]?.scopes, ['repository:public/app:pull'], 'another repository, another scope');
});

t.test('concurrent lookups share one token request', async (t) => {
  const { lookup } = useClient(t, settings);
  const before = issuer.requests().length;
  const results = await Promise.all(
    Array.from({ length: 10 }, () => lookup(`${registry.host}/private/app:v1`, { credentials: [alice] })),
  );
  t.ok(results.every((result) => result.outcome === 'present'));
  t.equal(tokenRequestsSince(before).length, 1);
});

t.test('anonymous: a public repository resolves, a private one is unauthorized', async (t) => {
  const { lookup } = useClient(t, settings);
  const before = issuer.requests().length;
  const open = await lookup(`${registry.host}/public/app:v1`);
  t.equal(open.outcome, 'present');
  t.equal(open.digest, publicImage.digest);
  t.equal(tokenRequestsSince(before)[0]?.username, null);

  const closed = await lookup(`${registry.host}/private/app:v1`);
  t.equal(closed.outcome, 'unauthorized');
  t.equal(closed.answer.status, 401);
  t.same(closed.answer.codes, [], 'a HEAD answer has no body');
  const privateRequests = tokenRequestsSince(before).filter((request) =>
    request.scopes.includes('repository:private/app:pull'),
  );
  t.equal(privateRequests.length, 2, 'an empty token, then one fresh token after insufficient_scope, then stop');
});

t.test('a wrong password is refused at the token endpoint, without an anonymous retry', async (t) => {
  const { lookup } = useClient(t, settings);
  const before = issuer.requests().length;
  const result = await lookup(`${registry.host}/public/app:v1`, { credentials: [wrong] });
  t.equal(result.outcome, 'unauthorized', 'wrong credentials fail even for a public image, as on the node');
  t.match(result.answer.summary, /token endpoint 127\.0\.0\.1:\d+ answered 401/);
  const requests = tokenRequestsSince(before);
  t.equal(requests.length, 1);
  t.equal(requests[0]?.username, alice.username);
  t.equal(requests[0]?.status, 401);

  const next = await lookup(`${registry.host}/private/app:v1`, { credentials: [wrong, alice] });
  t.equal(next.outcome, 'present', 'the next credential is tried');
});

t.test('tokens without expires_in live 60 s (injected clock)', async (t) => {
  const shortLived = await useRegistry(t, { auth: 'token', tokenExpiresIn: null });
  const shortIssuer = shortLived.tokenIssuer;
  const user = shortLived.users[0];
  if (shortIssuer === undefined || user === undefined) throw new Error('no issuer');
  await pushImage(shortLived, { repository: 'team/app', tag: 'v1' });
  let now = Date.now();
  const { lookup } = useClient(t, settingsFor({ [shortLived.host]: {} }), { now: () => now });
  const before = shortIssuer.requests().length;
  await lookup(`${shortLived.host}/team/app:v1`, { credentials: [user] });
  now += 59_000;
  await lookup(`${shortLived.host}/team/app:v1`, { credentials: [user] });
  t.equal(shortIssuer.requests().length - before, 1);
  now += 1_000;
  const result = await lookup(`${shortLived.host}/team/app:v1`, { credentials: [user] });
  t.equal(result.outcome, 'present');
  t.equal(shortIssuer.requests().length - before, 2);
});

t.test('an issuer that answers 401 to anonymous callers (GHCR style): unauthorized', async (t) => {
  const strict = await useRegistry(t, { auth: 'token', tokenAnonymousDenial: 'unauthorized' });
  await pushImage(strict, { repository: 'team/app', tag: 'v1' });
  const { lookup } = useClient(t, settingsFor({ [strict.host]: {} }));
  const result = await lookup(`${strict.host}/team/app:v1`);
  t.equal(result.outcome, 'unauthorized');
  t.match(result.answer.summary, /token endpoint .* answered 401/);
  const absentRepository = await lookup(`${strict.host}/team/missing:v1`);
  t.equal(absentRepository.outcome, 'unauthorized', 'a missing repository looks the same anonymously');
  const treated = useClient(t, settingsFor({ [strict.host]: { unauthorizedAs: 'absent' } }));
  const asAbsent = await treated.lookup(`${strict.host}/team/missing:v1`);
  t.equal(asAbsent.outcome, 'absent', 'unless the host is configured to read refusals as not found');
  t.match(asAbsent.answer.summary, /treated as not found/);
});
