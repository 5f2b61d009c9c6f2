/** The htpasswd test registry: Basic challenge without credentials, bcrypt entries from Node accepted by Go. */
import t from 'tap';
import { pushImage } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { basicAuthorization } from '../../harness/registry-auth.ts';
import { FULL_MANIFEST_ACCEPT, sendRequest } from '../../harness/registry-http.ts';

const registry = await useRegistry(t, { auth: 'htpasswd' });

t.test('a default user alice with a random password', async (t) => {
  t.equal(registry.auth, 'htpasswd');
  t.equal(registry.users.length, 1);
  t.equal(registry.users[0]?.username, 'alice');
  t.ok((registry.users[0]?.password.length ?? 0) >= 12);
});

t.test('401 with a Basic challenge without credentials or with a wrong password, 200 with them', async (t) => {
  const alice = registry.users[0];
  if (!alice) throw new Error('no user');
  const cases = [
    { name: 'no credentials', headers: {}, status: 401 },
    {
      name: 'wrong password',
      headers: { authorization: basicAuthorization({ ...alice, password: 'nope' }) },
      status: 401,
    },
    {
      name: 'unknown user',
      headers: { authorization: basicAuthorization({ username: 'mallory', password: 'x' }) },
      status: 401,
    },
    { name: 'right password', headers: { authorization: basicAuthorization(alice) }, status: 200 },
  ];
  for (const c of cases) {
    const response = await fetch(`${registry.url}/v2/`, { headers: c.headers });
    t.equal(response.status, c.status, c.name);
    if (c.status === 401) t.equal(response.headers.get('www-authenticate'), 'Basic realm="registry"', c.name);
  }
});

t.test('push as the user, then resolve with and without credentials', async (t) => {
  const pushed = await pushImage(registry, { repository: 'private/app', tag: 'v1' });
  const url = `${registry.url}/v2/private/app/manifests/v1`;
  const anonymous = await sendRequest({ method: 'HEAD', url, headers: { accept: FULL_MANIFEST_ACCEPT } });
  t.equal(anonymous.status, 401);
  t.match(anonymous.header('www-authenticate'), /^Basic realm="registry"/);
  const alice = registry.users[0];
  if (!alice) throw new Error('no user');
  const response = await sendRequest({
    method: 'HEAD',
    url,
    headers: { accept: FULL_MANIFEST_ACCEPT, authorization: basicAuthorization(alice) },
  });
  t.equal(response.status, 200);
  t.equal(response.header('docker-content-digest'), pushed.digest);
});

t.test('given users; each can push; the 401s are in the access log', async (t) => {
  const users = [
    { username: 'bob', password: 'b0b-secret' },
    { username: 'carol', password: 'c:ar"ol' },
  ];
  const own = await useRegistry(t, { auth: 'htpasswd', users });
  t.same(own.users, users);
  for (const user of users) {
    const pushed = await pushImage(own, { repository: `${user.username}/app`, user });
    t.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
  }
  await t.rejects(
    pushImage(own, { repository: 'x/app', user: { username: 'bob', password: 'wrong' } }),
    /blob upload start in x\/app answered 401/,
  );
  const agent = 'pullguard-test/htpasswd-log';
  await sendRequest({ url: `${own.url}/v2/`, headers: { 'user-agent': agent } });
  const entries = (await own.settledAccessLog()).filter((entry) => entry.userAgent === agent);
  t.same(
    entries.map((entry) => [entry.method, entry.path, entry.status]),
    [['GET', '/v2/', 401]],
  );
});
