/**
 * The registry client against a real docker-registry 2.8 without auth: tags, digests, deletions, schema 2 and
 * OCI manifests, OCI indexes and Docker manifest lists with their platforms, and the requests it costs.
 */
import t from 'tap';
import { defaultRegistrySettings } from '../../../server/registry/settings.ts';
import { deleteManifest, pushImage, pushIndex } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { MEDIA_TYPES } from '../../harness/registry-http.ts';
import { settingsFor, useClient } from './client-helpers.ts';

const registry = await useRegistry(t);
const { lookup } = useClient(t, settingsFor({ [registry.host]: {} }));
const image = (rest: string) => `${registry.host}/${rest}`;

t.test('a pushed tag is present with its digest; a missing tag and a missing repository are absent', async (t) => {
  const pushed = await pushImage(registry, { repository: 'team/app', tag: 'v1' });
  const present = await lookup(image('team/app:v1'));
  t.equal(present.outcome, 'present');
  t.equal(present.digest, pushed.digest);
  t.equal(present.mediaType, MEDIA_TYPES.dockerManifest);
  t.equal(present.size, pushed.size);
  t.equal(present.answer.host, registry.host);

  const missingTag = await lookup(image('team/app:v2'));
  t.equal(missingTag.outcome, 'absent');
  t.equal(missingTag.answer.status, 404);
  t.equal(missingTag.answer.summary, 'answered 404 MANIFEST_UNKNOWN', 'a GET after the HEAD reads the error code');

  const missingRepository = await lookup(image('team/nothing-here:v1'));
  t.equal(missingRepository.outcome, 'absent');
});

t.test('a tag is resolved with one HEAD: no GET, which Docker Hub would count as a pull', async (t) => {
  await pushImage(registry, { repository: 'team/head-only', tag: 'v1' });
  await lookup(image('team/head-only:v1'));
  const log = await registry.settledAccessLog();
  const requests = log.filter((entry) => entry.path.startsWith('/v2/team/head-only/'));
  t.same(
    requests
      .filter((entry) => entry.userAgent === defaultRegistrySettings().userAgent)
      .map((entry) => `${entry.method} ${entry.path}`),
    ['HEAD /v2/team/head-only/manifests/v1'],
  );
});

t.test('digest references: present, absent, the tag ignored, digest-only pushes, deletions', async (t) => {
  const pushed = await pushImage(registry, { repository: 'team/pinned', tag: 'v1' });
  const byDigest = await lookup(image(`team/pinned@${pushed.digest}`));
  t.equal(byDigest.outcome, 'present');
  t.equal(byDigest.digest, pushed.digest);
  const withWrongTag = await lookup(image(`team/pinned:no-such-tag@${pushed.digest}`));
  t.equal(withWrongTag.outcome, 'present', 'with a digest, the tag is ignored');

  const other = `sha256:${'0'.repeat(64)}`;
  const unknown = await lookup(image(`team/pinned@${other}`));
  t.equal(unknown.outcome, 'absent');

  const untagged = await pushImage(registry, { repository: 'team/untagged', tag: null });
  t.equal((await lookup(image(`team/untagged@${untagged.digest}`))).outcome, 'present');
  t.equal((await lookup(image('team/untagged'))).outcome, 'absent', 'no latest tag');

  await deleteManifest(registry, 'team/pinned', pushed.digest);
  t.equal((await lookup(image(`team/pinned@${pushed.digest}`))).outcome, 'absent', 'deleted');
  t.equal((await lookup(image('team/pinned:v1'))).outcome, 'absent', 'and its tag with it');
});

t.test('schema 2 and OCI manifests', async (t) => {
  for (const format of ['docker', 'oci'] as const) {
    const pushed = await pushImage(registry, { repository: `team/${format}`, tag: 'v1', format });
    const result = await lookup(image(`team/${format}:v1`), { wantPlatforms: true });
    t.equal(result.outcome, 'present', format);
    t.equal(result.digest, pushed.digest);
    t.equal(result.mediaType, format === 'docker' ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest);
    t.equal(result.platforms, undefined, 'a single manifest lists no platforms');
  }
});

t.test('an OCI index and a Docker manifest list are present; their platforms leave attestations out', async (t) => {
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ];
  for (const format of ['oci', 'docker'] as const) {
    const repository = `team/multi-${format}`;
    const pushed = await pushIndex(registry, { repository, tag: 'v1', format, platforms, attestation: true });
    const plain = await lookup(image(`${repository}:v1`));
    t.equal(plain.outcome, 'present', `${format}: an index counts as present`);
    t.equal(plain.digest, pushed.digest);
    t.equal(plain.mediaType, format === 'oci' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerManifestList);
    t.equal(plain.platforms, undefined);

    const withPlatforms = await lookup(image(`${repository}:v1`), { wantPlatforms: true });
    t.equal(withPlatforms.digest, pushed.digest);
    t.same(withPlatforms.platforms, platforms, `${format}: platforms without the unknown/unknown entries`);

    const byDigest = await lookup(image(`${repository}@${pushed.digest}`), { wantPlatforms: true });
    t.same(byDigest.platforms, platforms);
    const child = pushed.children[0];
    if (child === undefined) throw new Error('no child manifest');
    const childResult = await lookup(image(`${repository}@${child.digest}`));
    t.equal(childResult.outcome, 'present', 'a platform manifest by digest');
  }
});

t.test('plain HTTP only when configured: the https default says why it failed', async (t) => {
  await pushImage(registry, { repository: 'team/https-default', tag: 'v1' });
  const strict = useClient(t, settingsFor({}));
  const result = await strict.lookup(image('team/https-default:v1'));
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /TLS failed .*plain HTTP.*insecureHttp/);
});

t.test('the metrics hook sees each request with its registry and status', async (t) => {
  await pushImage(registry, { repository: 'team/metrics', tag: 'v1' });
  const observed = useClient(t, settingsFor({ [registry.host]: {} }));
  await observed.lookup(image('team/metrics:v1'));
  await observed.lookup(image('team/metrics:v2'));
  t.same(
    observed.events.map((event) => [event.registry, event.method, event.status]),
    [
      [registry.host, 'GET', 200],
      [registry.host, 'HEAD', 200],
      [registry.host, 'HEAD', 404],
      [registry.host, 'GET', 404],
    ],
    'one ping per host, one HEAD per present tag, HEAD then GET for a missing one',
  );
  t.ok(observed.events.every((event) => event.durationMs >= 0));
});
