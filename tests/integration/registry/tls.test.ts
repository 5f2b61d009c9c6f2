/** The registry client against a TLS registry: trusted through caPem, refused without it, and never plain HTTP. */
import t from 'tap';
import { pushImage } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { settingsFor, useClient } from './client-helpers.ts';

const registry = await useRegistry(t, { tls: true });
if (registry.caPem === undefined) throw new Error('the harness gave no CA');
const pushed = await pushImage(registry, { repository: 'team/app', tag: 'v1' });
const image = `${registry.host}/team/app:v1`;

t.test('trusted through the host caPem', async (t) => {
  const { lookup } = useClient(t, settingsFor({ [registry.host]: { insecureHttp: false, caPem: registry.caPem } }));
  const result = await lookup(image);
  t.equal(result.outcome, 'present');
  t.equal(result.digest, pushed.digest);
  t.equal((await lookup(`${registry.host}/team/app:v2`)).outcome, 'absent');
});

t.test('without the CA: unreachable, with the TLS reason', async (t) => {
  const { lookup } = useClient(t, settingsFor({ [registry.host]: { insecureHttp: false } }));
  const result = await lookup(image);
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /TLS failed \(\w+/);
});

t.test('plain HTTP against a TLS registry is not an answer either', async (t) => {
  const { lookup } = useClient(t, settingsFor({ [registry.host]: { insecureHttp: true } }));
  const result = await lookup(image);
  t.equal(result.outcome, 'unreachable');
  t.equal(result.answer.status, 400, 'Go answers 400 to HTTP on a TLS port');
});

t.test('token auth over TLS: the realm is trusted with the same CA', async (t) => {
  const secured = await useRegistry(t, { auth: 'token', tls: true });
  const user = secured.users[0];
  if (user === undefined || secured.caPem === undefined) throw new Error('no user or CA');
  const securedImage = await pushImage(secured, { repository: 'team/app', tag: 'v1' });
  const { lookup } = useClient(t, settingsFor({ [secured.host]: { insecureHttp: false, caPem: secured.caPem } }));
  const result = await lookup(`${secured.host}/team/app:v1`, { credentials: [user] });
  t.equal(result.outcome, 'present');
  t.equal(result.digest, securedImage.digest);
  t.match(secured.tokenIssuer?.url, /^https:/);
});
