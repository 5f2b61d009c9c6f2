/** Mirrors as containerd's hosts.toml has them: order, capabilities, `?ns=`, no credentials, and how answers combine. */
import t from 'tap';
import { parseReference } from '../../../server/reference/parse-reference.ts';
import { RegistryClient } from '../../../server/registry/client.ts';
import {
  defaultRegistrySettings,
  type HostSettings,
  type MirrorSettings,
  type RegistrySettings,
} from '../../../server/registry/settings.ts';
import { basicHeader, MANIFEST, serveBasicRegistry } from './fake-auth.ts';
import { answerError, answerManifest, type LoopbackServer, sha256, startLoopbackServer } from './loopback-server.ts';

let mirror: LoopbackServer;
let upstream: LoopbackServer;
t.before(async () => {
  [mirror, upstream] = await Promise.all([startLoopbackServer(), startLoopbackServer()]);
});
t.teardown(() => Promise.all([mirror.close(), upstream.close()]));
t.beforeEach(() => {
  mirror.requests.length = 0;
  upstream.requests.length = 0;
});

const alice = { username: 'alice', password: 'alice-password' };

function mirrorSettings(overrides: Partial<MirrorSettings> = {}): MirrorSettings {
  return { url: mirror.origin, capabilities: ['pull', 'resolve'], insecureHttp: true, ...overrides };
}

function settings(host: HostSettings): RegistrySettings {
  const base = defaultRegistrySettings();
  return { ...base, hosts: { ...base.hosts, [upstream.host]: { insecureHttp: true, ...host } } };
}

async function lookup(host: HostSettings, image = 'team/app:v1', credentials = [alice]) {
  const client = new RegistryClient({ settings: settings(host) });
  try {
    return await client.lookupManifest({
      reference: parseReference(`${upstream.host}/${image}`),
      credentials,
      signal: AbortSignal.timeout(10_000),
    });
  } finally {
    await client.close();
  }
}

type Behaviour = 'has-it' | 'lacks-it' | 'fails' | 'refuses';

function serve(server: LoopbackServer, behaviour: Behaviour) {
  server.handle((request, response, url) => {
    if (behaviour === 'refuses') {
      return void answerError(response, 401, 'UNAUTHORIZED', { 'www-authenticate': 'Basic realm="mirror"' });
    }
    if (url.pathname === '/v2/') return void response.writeHead(200).end('{}');
    if (behaviour === 'fails') return void answerError(response, 500);
    if (behaviour === 'has-it' && url.pathname.startsWith('/v2/team/app/manifests/')) {
      return void answerManifest(request, response, MANIFEST);
    }
    answerError(response, 404, 'MANIFEST_UNKNOWN');
  });
}

const manifestRequests = (server: LoopbackServer) =>
  server.requests.filter((request) => request.url.includes('/manifests/'));

t.test('the mirror lacks the image: the upstream has it', async (t) => {
  serve(mirror, 'lacks-it');
  serveBasicRegistry(upstream, alice.username, alice.password);
  const result = await lookup({ mirrors: [mirrorSettings()] });
  t.equal(result.outcome, 'present');
  t.equal(result.answer.host, upstream.host);
  t.same(
    manifestRequests(mirror).map((request) => `${request.method} ${request.url}`),
    ['HEAD', 'GET'].map((method) => `${method} /v2/team/app/manifests/v1?ns=${encodeURIComponent(upstream.host)}`),
    'the mirror is asked with ?ns=<registry> (HEAD, then GET for the error code)',
  );
  t.ok(
    mirror.requests.every((request) => request.headers.authorization === undefined),
    'the pull credential never goes to the mirror',
  );
  t.equal(manifestRequests(upstream)[0]?.url, '/v2/team/app/manifests/v1', 'no ns on the upstream');
  t.equal(manifestRequests(upstream)[0]?.headers.authorization, basicHeader(alice.username, alice.password));
});

t.test('the mirror has it: the upstream is not asked', async (t) => {
  serve(mirror, 'has-it');
  serve(upstream, 'lacks-it');
  const result = await lookup({ mirrors: [mirrorSettings()] });
  t.equal(result.outcome, 'present');
  t.equal(result.answer.host, mirror.host);
  t.equal(result.digest, sha256(MANIFEST));
  t.equal(upstream.requests.length, 0);
});

t.test('a pull-only mirror serves digests, never tags', async (t) => {
  serve(mirror, 'has-it');
  serve(upstream, 'has-it');
  const pullOnly = { mirrors: [mirrorSettings({ capabilities: ['pull'] })] };
  const tag = await lookup(pullOnly);
  t.equal(tag.outcome, 'present');
  t.equal(mirror.requests.length, 0, 'tags are resolved on resolve-capable hosts only');
  const digest = await lookup(pullOnly, `team/app@${sha256(MANIFEST)}`);
  t.equal(digest.outcome, 'present');
  t.equal(digest.answer.host, mirror.host);
});

t.test('absent only when every host says not found', async (t) => {
  const cases: [Behaviour, Behaviour, string, string][] = [
    ['lacks-it', 'lacks-it', 'absent', 'upstream'],
    ['fails', 'lacks-it', 'unreachable', 'mirror'],
    ['lacks-it', 'fails', 'unreachable', 'upstream'],
    ['refuses', 'lacks-it', 'unauthorized', 'mirror'],
  ];
  for (const [onMirror, onUpstream, outcome, decidedBy] of cases) {
    serve(mirror, onMirror);
    serve(upstream, onUpstream);
    const result = await lookup({ mirrors: [mirrorSettings()] }, 'team/app:v1', []);
    t.equal(result.outcome, outcome, `mirror ${onMirror}, upstream ${onUpstream}`);
    t.equal(result.answer.host, decidedBy === 'mirror' ? mirror.host : upstream.host);
  }
});

t.test('a plain-HTTP mirror without insecureHttp is refused, and the upstream still answers', async (t) => {
  serve(mirror, 'has-it');
  serve(upstream, 'has-it');
  const result = await lookup({ mirrors: [mirrorSettings({ insecureHttp: false })] });
  t.equal(result.outcome, 'present');
  t.equal(result.answer.host, upstream.host);
  t.equal(mirror.requests.length, 0);

  serve(upstream, 'lacks-it');
  const absentUpstream = await lookup({ mirrors: [mirrorSettings({ insecureHttp: false })] });
  t.equal(absentUpstream.outcome, 'unreachable', 'an unusable mirror is not a not-found');
  t.match(absentUpstream.answer.summary, /refused plain HTTP.*insecureHttp/);
});

t.test('server replaces the upstream', async (t) => {
  serve(mirror, 'has-it');
  const base = defaultRegistrySettings();
  const client = new RegistryClient({
    settings: { ...base, hosts: { ...base.hosts, 'registry.invalid': { insecureHttp: true, server: mirror.origin } } },
  });
  t.teardown(() => client.close());
  const result = await client.lookupManifest({
    reference: parseReference('registry.invalid/team/app:v1'),
    credentials: [alice],
    signal: AbortSignal.timeout(10_000),
  });
  t.equal(result.outcome, 'present');
  t.equal(result.answer.host, mirror.host);
  t.equal(manifestRequests(mirror)[0]?.url, '/v2/team/app/manifests/v1', 'no ns: it is the upstream');
});
