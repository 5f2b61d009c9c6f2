/** The registry client against docker-registry with htpasswd (Basic): right, wrong and missing credentials. */
import t from 'tap';
import { pushImage } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { settingsFor, useClient } from './client-helpers.ts';

const registry = await useRegistry(t, { auth: 'htpasswd' });
const alice = registry.users[0];
if (alice === undefined) throw new Error('the harness made no user');
const wrong = { username: alice.username, password: `${alice.password}-wrong` };
const stranger = { username: 'stranger', password: 'stranger-password' };
const pushed = await pushImage(registry, { repository: 'team/app', tag: 'v1' });
const image = `${registry.host}/team/app:v1`;
const { lookup } = useClient(t, settingsFor({ [registry.host]: {} }));

t.test('the right credential: present; a missing tag with it: absent', async (t) => {
  const present = await lookup(image, { credentials: [alice] });
  t.equal(present.outcome, 'present');
  t.equal(present.digest, pushed.digest);
  const absent = await lookup(`${registry.host}/team/app:v2`, { credentials: [alice] });
  t.equal(absent.outcome, 'absent');
});

t.test('a wrong or missing credential is unauthorized, never absent', async (t) => {
  const refused = await lookup(image, { credentials: [wrong] });
  t.equal(refused.outcome, 'unauthorized');
  t.equal(refused.answer.status, 401);
  t.match(refused.answer.summary, /answered 401/);
  const anonymous = await lookup(image);
  t.equal(anonymous.outcome, 'unauthorized');
  const missingRepository = await lookup(`${registry.host}/team/unknown:v1`);
  t.equal(missingRepository.outcome, 'unauthorized', 'without credentials nothing tells missing from private');
});

t.test('credentials in the kubelet order: the first that works wins', async (t) => {
  const result = await lookup(image, { credentials: [stranger, wrong, alice] });
  t.equal(result.outcome, 'present');
  const allWrong = await lookup(image, { credentials: [stranger, wrong] });
  t.equal(allWrong.outcome, 'unauthorized');
});
