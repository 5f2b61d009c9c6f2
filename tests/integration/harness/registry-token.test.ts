/**
 * The token-auth test registry: a Bearer challenge naming our issuer, tokens the registry itself verifies, the
 * public/private policy, wrong passwords refused, and a request record without secrets.
 */
import t from 'tap';
import { pushImage } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { basicAuthorization, fetchRegistryToken } from '../../harness/registry-auth.ts';
import { FULL_MANIFEST_ACCEPT, sendRequest } from '../../harness/registry-http.ts';

const registry = await useRegistry(t, { auth: 'token', publicRepositories: ['public/', 'shared/*/app'] });
const alice = registry.users[0];
if (!alice) throw new Error('no default user');
const issuer = registry.tokenIssuer;
if (!issuer) throw new Error('no token issuer');
const publicImage = await pushImage(registry, { repository: 'public/app' });
const privateImage = await pushImage(registry, { repository: 'private/app' });

function head(repository: string, token?: string) {
  const headers: Record<string, string> = { accept: FULL_MANIFEST_ACCEPT };
  if (token) headers.authorization = `Bearer ${token}`;
  return sendRequest({ method: 'HEAD', url: `/v2/${repository}/manifests/latest`, baseUrl: registry.url, headers });
}

async function tokenAnswer(query: string, authorization?: string) {
  return sendRequest({ url: `${issuer?.url}?${query}`, headers: authorization ? { authorization } : {} });
}

t.test('401 Bearer challenges name realm, service and the scope needed', async (t) => {
  const base = await fetch(`${registry.url}/v2/`);
  t.equal(base.status, 401);
  t.equal(base.headers.get('www-authenticate'), `Bearer realm="${issuer.url}",service="${issuer.service}"`);
  const response = await head('private/app');
  t.equal(response.status, 401);
  t.equal(
    response.header('www-authenticate'),
    `Bearer realm="${issuer.url}",service="${issuer.service}",scope="repository:private/app:pull"`,
  );
  t.match(issuer.url, /^http:\/\/127\.0\.0\.1:\d+\/token$/);
});

t.test('anonymous tokens pull public repositories only', async (t) => {
  const token = await fetchRegistryToken(registry, ['repository:public/app:pull'], null);
  const response = await head('public/app', token);
  t.equal(response.status, 200);
  t.equal(response.header('docker-content-digest'), publicImage.digest);
  const patterns = [
    ['public/app/nested', true],
    ['shared/team/app', true],
    ['shared/a/b/app', false],
    ['publicity/app', false],
  ] as const;
  for (const [repository, isPublic] of patterns) {
    await fetchRegistryToken(registry, [`repository:${repository}:pull`], null);
    t.same(issuer.requests().at(-1)?.granted.length, isPublic ? 1 : 0, repository);
  }
  // Private: a token without access (Docker Hub style); the registry refuses it with insufficient_scope.
  const empty = await fetchRegistryToken(registry, ['repository:private/app:pull'], null);
  const refused = await head('private/app', empty);
  t.equal(refused.status, 401);
  t.match(refused.header('www-authenticate'), /error="insufficient_scope"/);
  const last = issuer.requests().at(-1);
  t.same(last, {
    method: 'GET',
    service: issuer.service,
    scopes: ['repository:private/app:pull'],
    username: null,
    status: 200,
    granted: [],
  });
});

t.test('anonymous push to a public repository gets pull only', async (t) => {
  const answer = await tokenAnswer(`service=${issuer.service}&scope=repository:public/app:pull,push`);
  t.equal(answer.status, 200);
  t.same(issuer.requests().at(-1)?.granted, [{ type: 'repository', name: 'public/app', actions: ['pull'] }]);
});

t.test('the user pulls private repositories; a wrong password is 401 and never recorded', async (t) => {
  const token = await fetchRegistryToken(registry, ['repository:private/app:pull'], alice);
  const response = await head('private/app', token);
  t.equal(response.status, 200);
  t.equal(response.header('docker-content-digest'), privateImage.digest);

  const wrongPassword = 'definitely-wrong-password';
  const before = issuer.requests().length;
  const wrong = await tokenAnswer(
    `service=${issuer.service}&scope=repository:private/app:pull`,
    basicAuthorization({ username: 'alice', password: wrongPassword }),
  );
  t.equal(wrong.status, 401);
  const unknown = await tokenAnswer(
    `service=${issuer.service}`,
    basicAuthorization({ username: 'mallory', password: 'x' }),
  );
  t.equal(unknown.status, 401);
  const recorded = issuer.requests().slice(before);
  t.same(
    recorded.map((entry) => [entry.username, entry.status]),
    [
      ['alice', 401],
      ['mallory', 401],
    ],
  );
  const everything = JSON.stringify(issuer.requests());
  t.notOk(everything.includes(wrongPassword), 'no password in the record');
  t.notOk(everything.includes(alice.password), 'no password in the record');
});

t.test('several scopes, repeated or space-separated, are all recorded and granted', async (t) => {
  const answer = await tokenAnswer(
    `service=${issuer.service}&scope=repository:a/b:pull&scope=${encodeURIComponent('repository:c/d:pull,push registry:catalog:*')}`,
    basicAuthorization(alice),
  );
  t.equal(answer.status, 200);
  const last = issuer.requests().at(-1);
  t.same(last?.scopes, ['repository:a/b:pull', 'repository:c/d:pull,push', 'registry:catalog:*']);
  t.same(last?.granted.length, 3);
  t.equal(last?.username, 'alice');
});

t.test('token answers carry expires_in 300 by default', async (t) => {
  const answer = await tokenAnswer(`service=${issuer.service}&scope=repository:public/app:pull`);
  const body = JSON.parse(answer.body.toString());
  t.equal(body.expires_in, 300);
  t.equal(body.token, body.access_token);
  t.match(body.issued_at, /^\d{4}-\d\d-\d\dT/);
  const claims = JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString());
  t.equal(claims.exp - claims.iat, 300);
  t.equal(claims.aud, issuer.service);
});

t.test('POST /token with a password grant works like containerd uses it', async (t) => {
  const form = new URLSearchParams({
    grant_type: 'password',
    service: issuer.service,
    scope: 'repository:private/app:pull',
    username: alice.username,
    password: alice.password,
    client_id: 'pullguard-test',
  });
  const answer = await sendRequest({
    method: 'POST',
    url: issuer.url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  t.equal(answer.status, 200);
  const token = JSON.parse(answer.body.toString()).access_token;
  t.equal((await head('private/app', token)).status, 200);
  t.match(issuer.requests().at(-1), { method: 'POST', username: 'alice', status: 200 });
});

t.test('issuer options: expires_in left out, anonymous refused by the issuer itself', async (t) => {
  const own = await useRegistry(t, { auth: 'token', tokenExpiresIn: null, tokenAnonymousDenial: 'unauthorized' });
  const ownIssuer = own.tokenIssuer;
  if (!ownIssuer) throw new Error('no token issuer');
  const answer = await sendRequest({ url: `${ownIssuer.url}?service=${ownIssuer.service}&scope=repository:x/y:pull` });
  t.equal(answer.status, 401, 'anonymous, private repository');
  const user = own.users[0];
  if (!user) throw new Error('no user');
  const granted = await sendRequest({
    url: `${ownIssuer.url}?service=${ownIssuer.service}&scope=repository:x/y:pull`,
    headers: { authorization: basicAuthorization(user) },
  });
  t.equal(granted.status, 200);
  t.notOk('expires_in' in JSON.parse(granted.body.toString()));

  const short = await useRegistry(t, { auth: 'token', tokenExpiresIn: 5 });
  const shortIssuer = short.tokenIssuer;
  const shortAnswer = await sendRequest({ url: `${shortIssuer?.url}?service=${shortIssuer?.service}` });
  t.equal(JSON.parse(shortAnswer.body.toString()).expires_in, 5);
});

t.test('the access log shows the 401 then the 200 of a token dance', async (t) => {
  const agent = 'pullguard-test/token-dance';
  const url = `/v2/private/app/manifests/latest`;
  await sendRequest({ method: 'HEAD', url, baseUrl: registry.url, headers: { 'user-agent': agent } });
  const token = await fetchRegistryToken(registry, ['repository:private/app:pull'], alice);
  await sendRequest({
    method: 'HEAD',
    url,
    baseUrl: registry.url,
    headers: { 'user-agent': agent, accept: FULL_MANIFEST_ACCEPT, authorization: `Bearer ${token}` },
  });
  const entries = (await registry.settledAccessLog()).filter((entry) => entry.userAgent === agent);
  t.same(
    entries.map((entry) => entry.status),
    [401, 200],
  );
});
