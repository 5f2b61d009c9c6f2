/**
 * The no-auth test registry: pushes land, manifests resolve with the full Accept list, docker-registry 2.8's Accept
 * quirks (REGISTRY.md §2.2) hold, the access log records what reached it, and outages can be staged.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import t from 'tap';
import { deleteManifest, pushImage, pushIndex } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { FULL_MANIFEST_ACCEPT, MEDIA_TYPES, sendRequest } from '../../harness/registry-http.ts';

const registry = await useRegistry(t);

function manifest(method: 'GET' | 'HEAD', repository: string, reference: string, accept?: string, agent?: string) {
  const headers: Record<string, string> = {};
  if (accept !== undefined) headers.accept = accept;
  if (agent !== undefined) headers['user-agent'] = agent;
  return sendRequest({ method, url: `/v2/${repository}/manifests/${reference}`, baseUrl: registry.url, headers });
}

function errorCodes(body: Buffer): string[] {
  const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code: string }[] };
  return (parsed.errors ?? []).map((error) => error.code);
}

t.test('GET /v2/ answers 200 without auth, also to plain fetch', async (t) => {
  const response = await fetch(`${registry.url}/v2/`);
  t.equal(response.status, 200);
  t.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
  t.equal(registry.auth, 'none');
  t.same(registry.users, []);
  t.equal(registry.host, registry.url.replace('http://', ''));
  t.match(registry.host, /^127\.0\.0\.1:\d+$/);
});

t.test('a pushed image resolves by tag and by digest with the full Accept list', async (t) => {
  for (const format of ['docker', 'oci'] as const) {
    const repository = `team/${format}-image`;
    const pushed = await pushImage(registry, { repository, tag: 'v1', format });
    t.equal(pushed.mediaType, format === 'docker' ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest);
    for (const reference of ['v1', pushed.digest]) {
      const response = await manifest('HEAD', repository, reference, FULL_MANIFEST_ACCEPT);
      t.equal(response.status, 200, `${format} ${reference}`);
      t.equal(response.header('docker-content-digest'), pushed.digest);
      t.equal(response.header('content-type'), pushed.mediaType);
      t.equal(Number(response.header('content-length')), pushed.size);
    }
  }
});

t.test('each push makes a new digest; a digest-only push has no tag', async (t) => {
  const first = await pushImage(registry, { repository: 'team/fresh' });
  const second = await pushImage(registry, { repository: 'team/fresh' });
  t.not(first.digest, second.digest);
  t.equal(first.tag, 'latest');
  const untagged = await pushImage(registry, { repository: 'team/untagged', tag: null });
  t.equal(untagged.tag, null);
  t.equal((await manifest('HEAD', 'team/untagged', untagged.digest, FULL_MANIFEST_ACCEPT)).status, 200);
  t.equal((await manifest('HEAD', 'team/untagged', 'latest', FULL_MANIFEST_ACCEPT)).status, 404);
});

t.test('the image config carries the platform', async (t) => {
  const platform = { os: 'linux', architecture: 'arm', variant: 'v7' };
  const pushed = await pushImage(registry, { repository: 'team/arm', format: 'oci', platform });
  const body = JSON.parse((await manifest('GET', 'team/arm', pushed.digest, FULL_MANIFEST_ACCEPT)).body.toString());
  const config = await sendRequest({ url: `/v2/team/arm/blobs/${body.config.digest}`, baseUrl: registry.url });
  t.equal(config.status, 200);
  t.match(JSON.parse(config.body.toString()), { os: 'linux', architecture: 'arm', variant: 'v7' });
});

t.test('an OCI index is 404 MANIFEST_UNKNOWN unless Accept lists the OCI index type', async (t) => {
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ];
  const index = await pushIndex(registry, { repository: 'team/multi', platforms, attestation: true });
  t.equal(index.mediaType, MEDIA_TYPES.ociIndex);
  const full = await manifest('HEAD', 'team/multi', 'latest', FULL_MANIFEST_ACCEPT);
  t.equal(full.status, 200);
  t.equal(full.header('docker-content-digest'), index.digest);
  t.equal(full.header('content-type'), MEDIA_TYPES.ociIndex);

  const short = [MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.ociManifest].join(', ');
  for (const [reference, accept] of [
    ['latest', short],
    ['latest', '*/*'],
    ['latest', undefined],
    [index.digest, short],
  ] as const) {
    const response = await manifest('GET', 'team/multi', reference, accept);
    t.equal(response.status, 404, `${reference}, Accept: ${accept ?? '(none)'}`);
    t.same(errorCodes(response.body), ['MANIFEST_UNKNOWN']);
    t.match(response.body.toString(), /OCI index found, but accept header does not support OCI indexes/);
  }

  // Children: platform images first, then buildx-style attestation manifests listed as unknown/unknown.
  t.same(
    index.children.map((child) => `${child.platform?.os}/${child.platform?.architecture}`),
    ['linux/amd64', 'linux/arm64', 'unknown/unknown', 'unknown/unknown'],
  );
  const listed = JSON.parse((await manifest('GET', 'team/multi', index.digest, FULL_MANIFEST_ACCEPT)).body.toString());
  t.same(
    listed.manifests.map((entry: { digest: string }) => entry.digest),
    index.children.map((child) => child.digest),
  );
  t.equal(listed.manifests[1].platform.variant, 'v8');
  t.equal(listed.manifests[2].annotations['vnd.docker.reference.type'], 'attestation-manifest');
  t.equal(listed.manifests[2].annotations['vnd.docker.reference.digest'], index.children[0]?.digest);
  for (const child of index.children) {
    const response = await manifest('HEAD', 'team/multi', child.digest, FULL_MANIFEST_ACCEPT);
    t.equal(response.header('docker-content-digest'), child.digest);
  }
});

t.test('an OCI image manifest is 404 unless Accept lists the OCI manifest type', async (t) => {
  const pushed = await pushImage(registry, { repository: 'team/oci-only', format: 'oci' });
  const response = await manifest('GET', 'team/oci-only', 'latest', MEDIA_TYPES.dockerManifest);
  t.equal(response.status, 404);
  t.match(response.body.toString(), /OCI manifest found, but accept header does not support OCI manifests/);
  // Observed on 2.8.2: by digest too (unlike a docker manifest list, served by digest whatever the Accept).
  const byDigest = await manifest('HEAD', 'team/oci-only', pushed.digest, MEDIA_TYPES.dockerManifest);
  t.equal(byDigest.status, 404, 'by digest as well');
  const withType = await manifest('HEAD', 'team/oci-only', pushed.digest, MEDIA_TYPES.ociManifest);
  t.equal(withType.header('docker-content-digest'), pushed.digest);
});

t.test('schema 2 by tag without Accept is converted to schema 1 with another digest', async (t) => {
  const pushed = await pushImage(registry, { repository: 'team/legacy' });
  for (const accept of [undefined, '*/*']) {
    const response = await manifest('HEAD', 'team/legacy', 'latest', accept);
    t.equal(response.status, 200);
    t.equal(response.header('content-type'), 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    t.not(response.header('docker-content-digest'), pushed.digest);
  }
});

t.test('a docker manifest list: listed with its type, else the linux/amd64 entry is served', async (t) => {
  const platforms = [
    { os: 'linux', architecture: 'arm64' },
    { os: 'linux', architecture: 'amd64' },
  ];
  const list = await pushIndex(registry, { repository: 'team/list', format: 'docker', platforms });
  t.equal(list.mediaType, MEDIA_TYPES.dockerManifestList);
  t.ok(list.children.every((child) => child.mediaType === MEDIA_TYPES.dockerManifest));
  const full = await manifest('HEAD', 'team/list', 'latest', FULL_MANIFEST_ACCEPT);
  t.equal(full.header('docker-content-digest'), list.digest);
  const single = await manifest('HEAD', 'team/list', 'latest', MEDIA_TYPES.dockerManifest);
  t.equal(single.status, 200);
  t.equal(single.header('docker-content-digest'), list.children[1]?.digest);
  const byDigest = await manifest('HEAD', 'team/list', list.digest, MEDIA_TYPES.dockerManifest);
  t.equal(byDigest.header('docker-content-digest'), list.digest, 'by digest the list itself, whatever the Accept');
});

t.test('deleteManifest makes HEAD 404', async (t) => {
  const pushed = await pushImage(registry, { repository: 'team/doomed' });
  await deleteManifest(registry, 'team/doomed', pushed.digest);
  const response = await manifest('GET', 'team/doomed', pushed.digest, FULL_MANIFEST_ACCEPT);
  t.equal(response.status, 404);
  t.same(errorCodes(response.body), ['MANIFEST_UNKNOWN']);
  t.equal((await manifest('HEAD', 'team/doomed', 'latest', FULL_MANIFEST_ACCEPT)).status, 404);
});

t.test('the access log lists the requests that reached the registry, in order', async (t) => {
  const agent = `pullguard-test/${randomUUID()}`;
  const pushed = await pushImage(registry, { repository: 'team/logged' });
  await manifest('HEAD', 'team/logged', 'latest', FULL_MANIFEST_ACCEPT, agent);
  await sendRequest({
    url: '/v2/team/missing/manifests/v9?ns=docker.io',
    baseUrl: registry.url,
    headers: { 'user-agent': agent },
  });
  await manifest('GET', 'team/logged', pushed.digest, FULL_MANIFEST_ACCEPT, agent);
  const entries = (await registry.settledAccessLog()).filter((entry) => entry.userAgent === agent);
  t.same(entries, [
    { method: 'HEAD', path: '/v2/team/logged/manifests/latest', query: '', status: 200, userAgent: agent },
    { method: 'GET', path: '/v2/team/missing/manifests/v9', query: 'ns=docker.io', status: 404, userAgent: agent },
    { method: 'GET', path: `/v2/team/logged/manifests/${pushed.digest}`, query: '', status: 200, userAgent: agent },
  ]);
  const all = registry.accessLog();
  t.notOk(
    all.some((entry) => entry.userAgent.startsWith('pullguard-harness-probe')),
    'readiness probes are left out',
  );
  t.ok(
    all.some((entry) => entry.method === 'PUT' && entry.path === '/v2/team/logged/manifests/latest'),
    'pushes are in',
  );
});

t.test('a registry can be stopped and restarted on the same port, keeping its content', async (t) => {
  const own = await useRegistry(t);
  const pushed = await pushImage(own, { repository: 'team/outage' });
  const outage = await own.stopTemporarily();
  await t.rejects(sendRequest({ url: `${own.url}/v2/` }), { code: 'ECONNREFUSED' });
  await outage.restart();
  const response = await sendRequest({
    method: 'HEAD',
    url: `${own.url}/v2/team/outage/manifests/latest`,
    headers: { accept: FULL_MANIFEST_ACCEPT },
  });
  t.equal(response.header('docker-content-digest'), pushed.digest);
});

t.test('a frozen registry accepts connections but does not answer until thawed', async (t) => {
  const own = await useRegistry(t);
  own.freeze();
  await t.rejects(sendRequest({ url: `${own.url}/v2/`, timeoutMs: 300 }), /timed out/);
  own.thaw();
  t.equal((await sendRequest({ url: `${own.url}/v2/` })).status, 200);
});

t.test('stop() ends the process and removes its temp dir', async (t) => {
  const own = await useRegistry(t);
  const dir = dirname(own.logFile);
  t.ok(existsSync(dir));
  await own.stop();
  t.notOk(existsSync(dir));
  await t.rejects(sendRequest({ url: `${own.url}/v2/` }), { code: 'ECONNREFUSED' });
  await own.stop();
});
