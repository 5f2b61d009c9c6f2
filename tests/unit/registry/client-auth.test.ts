/** Basic and Bearer against loopback servers: what is sent where, token reuse and refresh, kubelet credential order. */
import t from 'tap';
import { parseReference } from '../../../server/reference/parse-reference.ts';
import type { RegistryCredential } from '../../../server/registry/auth/credential.ts';
import { RegistryClient } from '../../../server/registry/client.ts';
import { defaultRegistrySettings, type RegistrySettings } from '../../../server/registry/settings.ts';
import { basicHeader, MANIFEST, newTokenAuthState, serveBasicRegistry, serveTokenAuth } from './fake-auth.ts';
import { answerManifest, type LoopbackServer, sha256, startLoopbackServer } from './loopback-server.ts';

let registry: LoopbackServer;
let tokens: LoopbackServer;
let other: LoopbackServer;
t.before(async () => {
  [registry, tokens, other] = await Promise.all([startLoopbackServer(), startLoopbackServer(), startLoopbackServer()]);
});
t.teardown(() => Promise.all([registry.close(), tokens.close(), other.close()]));
t.beforeEach(() => {
  for (const server of [registry, tokens, other]) server.requests.length = 0;
});

const alice: RegistryCredential = { username: 'alice', password: 'alice-password' };
const mallory: RegistryCredential = { username: 'mallory', password: 'wrong-password' };

function settings(): RegistrySettings {
  const base = defaultRegistrySettings();
  return { ...base, hosts: { ...base.hosts, [registry.host]: { insecureHttp: true } } };
}

function fakeClock() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

function newClient(now?: () => number) {
  return new RegistryClient({ settings: settings(), now });
}

function lookup(client: RegistryClient, credentials: RegistryCredential[] = [], image = 'team/app:v1') {
  return client.lookupManifest({
    reference: parseReference(`${registry.host}/${image}`),
    credentials,
    signal: AbortSignal.timeout(10_000),
  });
}

const manifestRequests = (server: LoopbackServer) =>
  server.requests.filter((request) => request.url.includes('/manifests/'));

t.test('Basic: right, wrong and missing credentials', async (t) => {
  serveBasicRegistry(registry, alice.username, alice.password);
  const client = newClient();
  t.teardown(() => client.close());

  const right = await lookup(client, [alice]);
  t.equal(right.outcome, 'present');
  t.equal(right.digest, sha256(MANIFEST));
  t.equal(manifestRequests(registry)[0]?.headers.authorization, basicHeader(alice.username, alice.password));

  const wrong = await lookup(client, [mallory]);
  t.equal(wrong.outcome, 'unauthorized');
  t.equal(wrong.answer.summary, 'answered 401', 'a HEAD has no body, so no error code');

  registry.requests.length = 0;
  const missing = await lookup(client, []);
  t.equal(missing.outcome, 'unauthorized', 'no credential: one anonymous attempt, refused');
  t.equal(manifestRequests(registry).length, 1);
  t.equal(manifestRequests(registry)[0]?.headers.authorization, undefined);
});

t.test('credentials in order, first success wins, never an anonymous attempt', async (t) => {
  serveBasicRegistry(registry, alice.username, alice.password);
  const client = newClient();
  t.teardown(() => client.close());

  const result = await lookup(client, [mallory, alice, { username: 'carol', password: 'never-tried' }]);
  t.equal(result.outcome, 'present');
  t.same(
    manifestRequests(registry).map((request) => request.headers.authorization),
    [basicHeader(mallory.username, mallory.password), basicHeader(alice.username, alice.password)],
  );

  registry.requests.length = 0;
  const refused = await lookup(client, [mallory, { ...mallory }]);
  t.equal(refused.outcome, 'unauthorized');
  t.equal(manifestRequests(registry).length, 1, 'a repeated credential is tried once');
  t.ok(
    registry.requests.every((request) => request.url === '/v2/' || request.headers.authorization !== undefined),
    'no manifest request went without credentials',
  );
});

t.test('Bearer, anonymous: the token request has service and the repository scope, no Authorization', async (t) => {
  const state = newTokenAuthState();
  serveTokenAuth(registry, tokens, state);
  const client = newClient();
  t.teardown(() => client.close());

  const result = await lookup(client);
  t.equal(result.outcome, 'present');
  t.equal(tokens.requests.length, 1);
  const tokenUrl = new URL(tokens.requests[0]?.url ?? '', tokens.origin);
  t.equal(tokenUrl.searchParams.get('service'), 'test-registry');
  t.same(tokenUrl.searchParams.getAll('scope'), ['repository:team/app:pull']);
  t.equal(tokens.requests[0]?.headers.authorization, undefined);
  t.equal(manifestRequests(registry)[0]?.headers.authorization, 'Bearer tok-1');
});

t.test('Bearer with a credential: Basic goes to the realm only, the token to the registry only', async (t) => {
  const state = newTokenAuthState({ users: { alice: alice.password }, anonymous: false });
  serveTokenAuth(registry, tokens, state);
  const client = newClient();
  t.teardown(() => client.close());

  const result = await lookup(client, [alice]);
  t.equal(result.outcome, 'present');
  t.equal(tokens.requests[0]?.headers.authorization, basicHeader(alice.username, alice.password));
  t.ok(
    registry.requests.every((request) => !String(request.headers.authorization ?? '').startsWith('Basic')),
    'the registry never sees the password',
  );
  t.ok(
    tokens.requests.every((request) => !String(request.headers.authorization ?? '').startsWith('Bearer')),
    'the token server never sees a token',
  );
});

t.test('wrong credentials at the token server are unauthorized, with no anonymous fallback', async (t) => {
  const state = newTokenAuthState({ users: { alice: alice.password }, anonymous: true });
  serveTokenAuth(registry, tokens, state);
  const client = newClient();
  t.teardown(() => client.close());

  const result = await lookup(client, [mallory]);
  t.equal(result.outcome, 'unauthorized');
  t.equal(result.answer.status, 401);
  t.match(result.answer.summary, new RegExp(`token endpoint ${tokens.host} answered 401`));
  t.equal(tokens.requests.length, 1);
  t.ok(tokens.requests[0]?.headers.authorization, 'the one token request carried the credential');

  tokens.requests.length = 0;
  const second = await lookup(client, [mallory, alice]);
  t.equal(second.outcome, 'present', 'the next credential is tried');
  t.equal(tokens.requests.length, 2);
});

t.test('tokens are reused until expires_in, then fetched again (injected clock)', async (t) => {
  const state = newTokenAuthState({ expiresIn: 300, users: { alice: alice.password } });
  serveTokenAuth(registry, tokens, state);
  const clock = fakeClock();
  const client = newClient(clock.now);
  t.teardown(() => client.close());

  t.equal((await lookup(client)).outcome, 'present');
  t.equal((await lookup(client)).outcome, 'present');
  t.equal(tokens.requests.length, 1, 'one token for two lookups');
  clock.advance(299_000);
  t.equal((await lookup(client)).outcome, 'present');
  t.equal(tokens.requests.length, 1, 'still valid just before expiry');
  clock.advance(1_000);
  t.equal((await lookup(client)).outcome, 'present');
  t.equal(tokens.requests.length, 2, 'a new token once expired');

  t.equal((await lookup(client, [alice])).outcome, 'present');
  t.equal(tokens.requests.length, 3, 'another credential identity gets its own token');
});

t.test('a token without expires_in lives 60 s', async (t) => {
  const state = newTokenAuthState({ expiresIn: undefined });
  serveTokenAuth(registry, tokens, state);
  const clock = fakeClock();
  const client = newClient(clock.now);
  t.teardown(() => client.close());
  await lookup(client);
  clock.advance(59_000);
  await lookup(client);
  t.equal(tokens.requests.length, 1);
  clock.advance(1_000);
  await lookup(client);
  t.equal(tokens.requests.length, 2);
});

t.test('concurrent lookups share one ping and one token request', async (t) => {
  const state = newTokenAuthState();
  serveTokenAuth(registry, tokens, state);
  const client = newClient();
  t.teardown(() => client.close());
  const results = await Promise.all(Array.from({ length: 8 }, () => lookup(client)));
  t.ok(results.every((result) => result.outcome === 'present'));
  t.equal(tokens.requests.length, 1);
  t.equal(registry.requests.filter((request) => request.url === '/v2/').length, 1);
});

t.test('a revoked token: one retry with a fresh token on 401 with error=', async (t) => {
  const state = newTokenAuthState();
  serveTokenAuth(registry, tokens, state);
  const client = newClient();
  t.teardown(() => client.close());
  await lookup(client);
  state.valid.clear();
  registry.requests.length = 0;
  tokens.requests.length = 0;
  const result = await lookup(client);
  t.equal(result.outcome, 'present');
  t.equal(tokens.requests.length, 1);
  t.same(
    manifestRequests(registry).map((request) => request.headers.authorization),
    ['Bearer tok-1', 'Bearer tok-2'],
  );

  // A registry that refuses every token: exactly one refresh, then the refusal stands.
  registry.requests.length = 0;
  tokens.requests.length = 0;
  const originalAdd = state.valid.add.bind(state.valid);
  state.valid.clear();
  state.valid.add = (value: string) => (value === '' ? originalAdd(value) : state.valid);
  const refused = await lookup(client);
  t.equal(refused.outcome, 'unauthorized');
  t.equal(manifestRequests(registry).length, 2, 'the first try and one retry');
  t.equal(tokens.requests.length, 1, 'one fresh token (the cached one was used first)');
});

t.test('unusable token realms', async (t) => {
  const cases: [string, RegExp][] = [
    ['http://169.254.169.254/token', /169\.254\.169\.254 is blocked/],
    ['ftp://127.0.0.1/token', /ftp scheme/],
  ];
  for (const [realm, summary] of cases) {
    serveTokenAuth(registry, tokens, newTokenAuthState(), { realm });
    const client = newClient();
    const result = await lookup(client);
    await client.close();
    t.equal(result.outcome, 'unreachable', realm);
    t.match(result.answer.summary, summary);
  }
  registry.handle((_request, response) => response.writeHead(401, { 'www-authenticate': 'Bearer service="x"' }).end());
  const client = newClient();
  const noRealm = await lookup(client);
  await client.close();
  t.equal(noRealm.outcome, 'unauthorized');
  t.match(noRealm.answer.summary, /names no realm/);
});

t.test('a redirect to another port: Authorization is not forwarded, the final answer decides', async (t) => {
  registry.handle((request, response, url) => {
    if (request.headers.authorization !== basicHeader(alice.username, alice.password)) {
      return void response.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
    }
    if (url.pathname === '/v2/') return void response.writeHead(200).end();
    response.writeHead(307, { location: `${other.origin}/storage/manifest` }).end();
  });
  other.handle((request, response) => answerManifest(request, response, MANIFEST));
  const client = newClient();
  t.teardown(() => client.close());

  const result = await lookup(client, [alice]);
  t.equal(result.outcome, 'present');
  t.equal(result.digest, sha256(MANIFEST));
  t.equal(manifestRequests(registry)[0]?.headers.authorization, basicHeader(alice.username, alice.password));
  t.equal(other.requests.length, 1);
  t.equal(other.requests[0]?.headers.authorization, undefined, 'no credential crossed to the other origin');
});

t.test('a token realm that redirects elsewhere does not take the Basic credential along', async (t) => {
  const state = newTokenAuthState({ users: { alice: alice.password }, anonymous: true });
  serveTokenAuth(registry, tokens, state, { realm: `${other.origin}/token` });
  other.handle((_request, response, url) => {
    response.writeHead(302, { location: `${tokens.origin}/token${url.search}` }).end();
  });
  const client = newClient();
  t.teardown(() => client.close());
  const result = await lookup(client, [alice]);
  t.equal(result.outcome, 'present', 'the anonymous token suffices here');
  t.equal(other.requests[0]?.headers.authorization, basicHeader(alice.username, alice.password), 'the named realm');
  t.equal(tokens.requests[0]?.headers.authorization, undefined, 'not the redirect target');
});
