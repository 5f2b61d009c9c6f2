/** Manifest resolution rules against a loopback server: HEAD first, GET fallbacks, digest checks, platforms. */
import t from 'tap';
import { parseReference } from '../../../server/reference/parse-reference.ts';
import { RegistryClient } from '../../../server/registry/client.ts';
import { defaultRegistrySettings, type RegistrySettings } from '../../../server/registry/settings.ts';
import type { RequestEvent } from '../../../server/registry/transport.ts';
import {
  answerError,
  answerManifest,
  type Handler,
  type LoopbackServer,
  OCI_INDEX_TYPE,
  SCHEMA2_TYPE,
  schema2Manifest,
  sha256,
  startLoopbackServer,
} from './loopback-server.ts';

let server: LoopbackServer;
t.before(async () => {
  server = await startLoopbackServer();
});
t.teardown(() => server.close());
t.beforeEach(() => {
  server.requests.length = 0;
});

function settings(overrides: Partial<RegistrySettings['hosts'][string]> = {}): RegistrySettings {
  const base = defaultRegistrySettings();
  return { ...base, hosts: { ...base.hosts, [server.host]: { insecureHttp: true, ...overrides } } };
}

async function lookup(
  image: string,
  options: { wantPlatforms?: boolean; settings?: RegistrySettings; events?: RequestEvent[] } = {},
) {
  const client = new RegistryClient({
    settings: options.settings ?? settings(),
    onRequest: (event) => options.events?.push(event),
  });
  try {
    return await client.lookupManifest({
      reference: parseReference(`${server.host}/${image}`),
      credentials: [],
      signal: AbortSignal.timeout(10_000),
      wantPlatforms: options.wantPlatforms,
    });
  } finally {
    await client.close();
  }
}

function route(manifest: Handler) {
  server.handle((request, response, url) => {
    if (url.pathname === '/v2/') return void response.writeHead(200).end('{}');
    manifest(request, response, url);
  });
}

const manifestRequests = () => server.requests.filter((request) => request.url.includes('/manifests/'));

const index = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_INDEX_TYPE,
  manifests: [
    { mediaType: SCHEMA2_TYPE, digest: sha256('a'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    {
      mediaType: SCHEMA2_TYPE,
      digest: sha256('b'),
      size: 1,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    },
    {
      mediaType: SCHEMA2_TYPE,
      digest: sha256('c'),
      size: 1,
      platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' },
    },
    { mediaType: SCHEMA2_TYPE, digest: sha256('d'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
  ],
});

t.test('a tag resolves with one HEAD carrying the full Accept list', async (t) => {
  const body = schema2Manifest();
  route((request, response) => answerManifest(request, response, body));
  const events: RequestEvent[] = [];
  const result = await lookup('team/app:v1', { events });
  t.equal(result.outcome, 'present');
  t.equal(result.digest, sha256(body));
  t.equal(result.mediaType, SCHEMA2_TYPE);
  t.equal(result.size, Buffer.byteLength(body));
  t.same(
    manifestRequests().map((request) => `${request.method} ${request.url}`),
    ['HEAD /v2/team/app/manifests/v1'],
  );
  const accept = String(manifestRequests()[0]?.headers.accept);
  for (const type of [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
    '*/*',
  ]) {
    t.ok(accept.includes(type), `Accept lists ${type}`);
  }
  t.match(manifestRequests()[0]?.headers['user-agent'], /pullguard/);
  t.same(
    events.map((event) => [event.registry, event.method, event.status]),
    [
      [server.host, 'GET', 200],
      [server.host, 'HEAD', 200],
    ],
    'the metrics hook sees the ping and the HEAD',
  );
});

t.test('405 to HEAD: GET works, the digest is computed', async (t) => {
  const body = schema2Manifest();
  route((request, response) => {
    if (request.method === 'HEAD') return void response.writeHead(405).end();
    answerManifest(request, response, body);
  });
  const result = await lookup('team/app:v1');
  t.equal(result.outcome, 'present');
  t.equal(result.digest, sha256(body));
  t.same(
    manifestRequests().map((request) => request.method),
    ['HEAD', 'GET'],
  );
});

t.test('no Docker-Content-Digest: GET and sha256 of the body; Content-Type parameters stripped', async (t) => {
  const body = schema2Manifest();
  route((request, response) =>
    answerManifest(request, response, body, { digest: null, mediaType: `${SCHEMA2_TYPE}; charset=utf-8` }),
  );
  const result = await lookup('team/app:v1');
  t.equal(result.outcome, 'present');
  t.equal(result.digest, sha256(body));
  t.equal(result.mediaType, SCHEMA2_TYPE);
  t.same(
    manifestRequests().map((request) => request.method),
    ['HEAD', 'GET'],
  );
});

t.test('a wrong digest is garbage: unreachable, never present or absent', async (t) => {
  const body = schema2Manifest();
  const wrong = sha256('something else');
  route((request, response) => {
    if (request.method === 'HEAD') return void response.writeHead(405).end();
    answerManifest(request, response, body, { digest: wrong });
  });
  const onGet = await lookup('team/app:v1');
  t.equal(onGet.outcome, 'unreachable');
  t.match(onGet.answer.summary, /does not match/);

  route((request, response) => answerManifest(request, response, body, { digest: wrong }));
  const byDigest = await lookup(`team/app@${sha256(body)}`);
  t.equal(byDigest.outcome, 'unreachable', 'a HEAD naming another digest than the one asked for');
  t.match(byDigest.answer.summary, /answered digest/);

  route((request, response) => answerManifest(request, response, body, { digest: 'md5:abc' }));
  const malformed = await lookup('team/app:v1');
  t.equal(malformed.outcome, 'unreachable');
});

t.test('a digest reference asks for the digest only (the tag is ignored) and verifies the body', async (t) => {
  const body = schema2Manifest();
  route((request, response, url) => {
    if (url.pathname.endsWith(`/manifests/${sha256(body)}`)) {
      return void answerManifest(request, response, body, { digest: null });
    }
    answerError(response, 404, 'MANIFEST_UNKNOWN');
  });
  const result = await lookup(`team/app:v1@${sha256(body)}`);
  t.equal(result.outcome, 'present');
  t.equal(result.digest, sha256(body));
  t.same(
    manifestRequests().map((request) => `${request.method} ${request.url}`),
    [`HEAD /v2/team/app/manifests/${sha256(body)}`, `GET /v2/team/app/manifests/${sha256(body)}`],
  );

  route((request, response) => answerManifest(request, response, 'tampered', { digest: null }));
  const tampered = await lookup(`team/app@${sha256(body)}`);
  t.equal(tampered.outcome, 'unreachable');
});

t.test('not found', async (t) => {
  route((request, response) => {
    if (request.method === 'HEAD') return void response.writeHead(404).end();
    answerError(response, 404, 'MANIFEST_UNKNOWN');
  });
  const head = await lookup('team/app:v1');
  t.equal(head.outcome, 'absent');
  t.same(
    head.answer,
    { host: server.host, status: 404, codes: ['MANIFEST_UNKNOWN'], summary: 'answered 404 MANIFEST_UNKNOWN' },
    'a 404 to HEAD is followed by a GET, whose body names the error',
  );

  route((request, response) => {
    if (request.method === 'HEAD') return void response.writeHead(405).end();
    answerError(response, 404, 'NAME_UNKNOWN');
  });
  const get = await lookup('team/app:v1');
  t.equal(get.outcome, 'absent');
  t.same(get.answer.codes, ['NAME_UNKNOWN']);
  t.equal(get.answer.summary, 'answered 404 NAME_UNKNOWN');
});

t.test('a digest that is not a manifest may still be a blob (containerd fallback)', async (t) => {
  const digest = sha256('blob');
  let blobThere = true;
  route((_request, response, url) => {
    if (url.pathname === `/v2/team/app/blobs/${digest}` && blobThere) {
      return void response.writeHead(200, { 'docker-content-digest': digest, 'content-length': '4' }).end();
    }
    answerError(response, 404, url.pathname.includes('/blobs/') ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN');
  });
  const present = await lookup(`team/app@${digest}`);
  t.equal(present.outcome, 'present');
  t.equal(present.digest, digest);
  blobThere = false;
  const absent = await lookup(`team/app@${digest}`);
  t.equal(absent.outcome, 'absent');
  t.equal(absent.answer.summary, 'answered 404 MANIFEST_UNKNOWN', 'the manifest answer decides');

  route((_request, response, url) => {
    if (url.pathname.includes('/blobs/')) return void answerError(response, 500);
    answerError(response, 404, 'MANIFEST_UNKNOWN');
  });
  const failing = await lookup(`team/app@${digest}`);
  t.equal(failing.outcome, 'unreachable', 'a failing blob check leaves the question open');
});

t.test('an index is present; its platforms are read only when asked for', async (t) => {
  route((request, response) => answerManifest(request, response, index, { mediaType: OCI_INDEX_TYPE }));
  const plain = await lookup('team/app:v1');
  t.equal(plain.outcome, 'present');
  t.equal(plain.mediaType, OCI_INDEX_TYPE);
  t.equal(plain.platforms, undefined);
  t.equal(manifestRequests().length, 1, 'one HEAD');

  server.requests.length = 0;
  const withPlatforms = await lookup('team/app:v1', { wantPlatforms: true });
  t.equal(withPlatforms.outcome, 'present');
  t.equal(withPlatforms.digest, sha256(index));
  t.same(withPlatforms.platforms, [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1' },
  ]);
  t.same(
    manifestRequests().map((request) => `${request.method} ${request.url}`),
    ['HEAD /v2/team/app/manifests/v1', `GET /v2/team/app/manifests/${sha256(index)}`],
    'the index is fetched by the digest the HEAD gave',
  );

  server.requests.length = 0;
  route((request, response) => answerManifest(request, response, schema2Manifest()));
  const single = await lookup('team/app:v1', { wantPlatforms: true });
  t.equal(single.platforms, undefined, 'a single manifest has no platform list');
  t.equal(manifestRequests().length, 1, 'and costs no GET');
});

t.test('an index served as application/json is recognized by its body', async (t) => {
  route((request, response) => {
    if (request.method === 'HEAD') return void response.writeHead(405).end();
    answerManifest(request, response, index, { mediaType: 'application/json' });
  });
  const result = await lookup('team/app:v1', { wantPlatforms: true });
  t.equal(result.mediaType, OCI_INDEX_TYPE);
  t.equal(result.platforms?.length, 3);
});

t.test('refusals are unauthorized, or absent where configured', async (t) => {
  route((_request, response) => answerError(response, 403, 'DENIED'));
  const denied = await lookup('team/app:v1');
  t.equal(denied.outcome, 'unauthorized');
  t.equal(denied.answer.status, 403);

  route((_request, response) => answerError(response, 401, 'UNAUTHORIZED'));
  const absent = await lookup('team/app:v1', { settings: settings({ unauthorizedAs: 'absent' }) });
  t.equal(absent.outcome, 'absent');
  t.match(absent.answer.summary, /treated as not found/);
});

t.test('a redirect is followed and the final answer decides', async (t) => {
  const body = schema2Manifest();
  route((request, response, url) => {
    if (url.pathname === '/v2/team/app/manifests/v1') {
      return void response.writeHead(307, { location: '/elsewhere/manifest' }).end();
    }
    if (url.pathname === '/elsewhere/manifest') return void answerManifest(request, response, body);
    answerError(response, 404);
  });
  const result = await lookup('team/app:v1');
  t.equal(result.outcome, 'present');
  t.equal(result.digest, sha256(body));
});
