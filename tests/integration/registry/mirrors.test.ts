/**
 * Mirrors with two real registries: the mirror is asked first (with `?ns=`), a not-found there falls back to the
 * upstream, and the pull credential never goes to the mirror.
 */
import t from 'tap';
import type { MirrorSettings } from '../../../server/registry/settings.ts';
import { pushImage } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { settingsFor, useClient } from './client-helpers.ts';

const [upstream, mirror] = await Promise.all([useRegistry(t), useRegistry(t)]);
const mirrorEntry: MirrorSettings = { url: mirror.url, capabilities: ['pull', 'resolve'], insecureHttp: true };
const { lookup } = useClient(t, settingsFor({ [upstream.host]: { mirrors: [mirrorEntry] } }));
const ours = (entries: Awaited<ReturnType<typeof mirror.settledAccessLog>>, path: string) =>
  entries.filter((entry) => entry.userAgent === 'pullguard' && entry.path.includes(path));

t.test('the mirror lacks the image: the upstream has it', async (t) => {
  const pushed = await pushImage(upstream, { repository: 'team/only-upstream', tag: 'v1' });
  const result = await lookup(`${upstream.host}/team/only-upstream:v1`);
  t.equal(result.outcome, 'present');
  t.equal(result.digest, pushed.digest);
  t.equal(result.answer.host, upstream.host);
  const asked = ours(await mirror.settledAccessLog(), '/team/only-upstream/');
  t.same(
    asked.map((entry) => [entry.method, entry.query, entry.status]),
    ['HEAD', 'GET'].map((method) => [method, `ns=${encodeURIComponent(upstream.host)}`, 404]),
    'the mirror was asked first, with ?ns=<registry> (HEAD, then GET for the error code)',
  );
});

t.test('the mirror has the image: the upstream is not asked', async (t) => {
  const pushed = await pushImage(mirror, { repository: 'team/mirrored', tag: 'v1' });
  const result = await lookup(`${upstream.host}/team/mirrored:v1`);
  t.equal(result.outcome, 'present');
  t.equal(result.digest, pushed.digest);
  t.equal(result.answer.host, mirror.host);
  t.same(ours(await upstream.settledAccessLog(), '/team/mirrored/'), []);
});

t.test('absent only when both say not found', async (t) => {
  const result = await lookup(`${upstream.host}/team/nowhere:v1`);
  t.equal(result.outcome, 'absent');
  t.equal(result.answer.host, upstream.host);
});

t.test('the mirror down: a not-found upstream is not enough to say absent', async (t) => {
  const down = await useRegistry(t);
  const outage = await down.stopTemporarily();
  t.teardown(() => outage.restart());
  const client = useClient(
    t,
    settingsFor({
      [upstream.host]: { mirrors: [{ url: down.url, capabilities: ['pull', 'resolve'], insecureHttp: true }] },
    }),
  );
  const result = await client.lookup(`${upstream.host}/team/nowhere:v1`);
  t.equal(result.outcome, 'unreachable');
  t.equal(result.answer.host, down.host);
  t.match(result.answer.summary, /refused/);
});

t.test('the pull credential goes to the upstream only', async (t) => {
  // Both registries want the same user; a credential sent to the mirror would make it answer 200.
  const guardedUpstream = await useRegistry(t, { auth: 'htpasswd' });
  const alice = guardedUpstream.users[0];
  if (alice === undefined) throw new Error('no user');
  const guardedMirror = await useRegistry(t, { auth: 'htpasswd', users: [alice] });
  const pushed = await pushImage(guardedUpstream, { repository: 'team/app', tag: 'v1' });
  await pushImage(guardedMirror, { repository: 'team/app', tag: 'v1' });
  const client = useClient(
    t,
    settingsFor({
      [guardedUpstream.host]: {
        mirrors: [{ url: guardedMirror.url, capabilities: ['pull', 'resolve'], insecureHttp: true }],
      },
    }),
  );
  const result = await client.lookup(`${guardedUpstream.host}/team/app:v1`, { credentials: [alice] });
  t.equal(result.outcome, 'present');
  t.equal(result.answer.host, guardedUpstream.host);
  t.equal(result.digest, pushed.digest);
  const mirrorSaw = (await guardedMirror.settledAccessLog()).filter((entry) => entry.userAgent === 'pullguard');
  t.ok(mirrorSaw.length > 0, 'the mirror was asked');
  t.ok(
    mirrorSaw.every((entry) => entry.status === 401),
    'and refused every request: it never received the credential',
  );
});
