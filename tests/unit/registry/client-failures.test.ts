/**
 * The registry client against a loopback server that misbehaves on purpose: every failure must come back as an
 * outcome (never a throw, never `absent`), within the deadline, with a summary that says what happened.
 */
import type { LookupAddress } from 'node:dns';
import t from 'tap';
import { parseReference } from '../../../server/reference/parse-reference.ts';
import { RegistryClient } from '../../../server/registry/client.ts';
import { defaultRegistrySettings, type RegistrySettings } from '../../../server/registry/settings.ts';
import { createAddressGuard } from '../../../server/registry/ssrf-guard.ts';
import { freePort } from '../../harness/ports.ts';
import {
  answerError,
  answerManifest,
  type LoopbackServer,
  schema2Manifest,
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

function settingsFor(hosts: string[], overrides: Partial<RegistrySettings> = {}): RegistrySettings {
  const base = defaultRegistrySettings();
  return {
    ...base,
    requestTimeoutMs: 2000,
    ...overrides,
    hosts: { ...base.hosts, ...Object.fromEntries(hosts.map((host) => [host, { insecureHttp: true }])) },
  };
}

async function lookup(image: string, settings: RegistrySettings, signal = AbortSignal.timeout(10_000)) {
  const client = new RegistryClient({ settings });
  try {
    return await client.lookupManifest({ reference: parseReference(image), credentials: [], signal });
  } finally {
    await client.close();
  }
}

/** /v2/ answers 200; manifests go to `manifest`. */
function route(manifest: Parameters<LoopbackServer['handle']>[0]) {
  server.handle((request, response, url) => {
    if (url.pathname === '/v2/') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    manifest(request, response, url);
  });
}

t.test('garbage JSON in a manifest body is unreachable, not absent', async (t) => {
  route((request, response) => answerManifest(request, response, '{"schemaVersion": 2, "layers": [', { digest: null }));
  const result = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host]));
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /not a JSON object/);
});

t.test('oversized manifest bodies are refused (declared and chunked)', async (t) => {
  const big = JSON.stringify({ schemaVersion: 2, padding: 'x'.repeat(8192) });
  const settings = settingsFor([server.host], { maxManifestBytes: 4096 });
  route((request, response) => answerManifest(request, response, big, { digest: null }));
  const declared = await lookup(`${server.host}/team/app:v1`, settings);
  t.equal(declared.outcome, 'unreachable');
  t.match(declared.answer.summary, /larger than 4096 bytes/);

  route((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    if (request.method === 'HEAD') return void response.end();
    for (let index = 0; index < 16; index += 1) response.write('x'.repeat(1024));
    response.end();
  });
  const chunked = await lookup(`${server.host}/team/app:v1`, settings);
  t.equal(chunked.outcome, 'unreachable');
  t.match(chunked.answer.summary, /larger than 4096 bytes/);
});

t.test('a redirect loop stops after maxRedirects', async (t) => {
  route((_request, response, url) => response.writeHead(302, { location: url.pathname }).end());
  const result = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host]));
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /redirected more than 3 times/);
  const manifestRequests = server.requests.filter((request) => request.url.includes('/manifests/'));
  t.equal(manifestRequests.length, 4, 'the first request and three redirects');
});

t.test('a stalled registry is unreachable within the request timeout', async (t) => {
  route(() => {
    /* never answers */
  });
  const started = performance.now();
  const result = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host], { requestTimeoutMs: 300 }));
  const elapsed = performance.now() - started;
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /timed out after 300 ms/);
  t.ok(elapsed < 3000, `answered after ${Math.round(elapsed)} ms`);
});

t.test("the caller's signal ends a stalled lookup", async (t) => {
  server.handle(() => {
    /* not even /v2/ answers */
  });
  const started = performance.now();
  const result = await lookup(
    `${server.host}/team/app:v1`,
    settingsFor([server.host], { requestTimeoutMs: 60_000 }),
    AbortSignal.timeout(200),
  );
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /cancelled/);
  t.ok(performance.now() - started < 3000);
});

t.test('500 and 503 are unreachable', async (t) => {
  for (const status of [500, 503]) {
    route((_request, response) => answerError(response, status, 'UNAVAILABLE'));
    const result = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host]));
    t.equal(result.outcome, 'unreachable', String(status));
    t.equal(result.answer.status, status);
  }
  server.handle((_request, response) => answerError(response, 502));
  const ping = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host]));
  t.equal(ping.outcome, 'unreachable', 'a failing /v2/ ping too');
  t.match(ping.answer.summary, /answered 502 to \/v2\//);
});

t.test('429 with Retry-After is unreachable and reports the wait', async (t) => {
  route((request, response) => {
    if (request.method === 'HEAD') return void response.writeHead(429, { 'retry-after': '30' }).end();
    answerError(response, 429, 'TOOMANYREQUESTS', { 'retry-after': '30' });
  });
  const result = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host]));
  t.equal(result.outcome, 'unreachable');
  t.equal(result.retryAfterMs, 30_000);
  t.equal(result.answer.status, 429);
  t.match(result.answer.summary, /answered 429 \(retry after 30 s\)/);
});

t.test('a 404 that is not a definitive not-found is not absent', async (t) => {
  route((request, response) => {
    if (request.method === 'HEAD') return void response.writeHead(405).end();
    answerError(response, 404, 'NAME_INVALID');
  });
  const result = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host]));
  t.equal(result.outcome, 'unreachable');
  t.same(result.answer.codes, ['NAME_INVALID']);
});

t.test('connection refused', async (t) => {
  const port = await freePort();
  const result = await lookup(`127.0.0.1:${port}/team/app:v1`, settingsFor([`127.0.0.1:${port}`]));
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /refused/);
});

t.test('the https default against a plain-HTTP registry says why', async (t) => {
  route((request, response) => answerManifest(request, response, schema2Manifest()));
  const result = await lookup(`${server.host}/team/app:v1`, settingsFor([]));
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /TLS .*insecureHttp/);
  t.equal(server.requests.length, 0, 'nothing was understood as HTTP');
});

t.test('response headers over maxHeaderBytes', async (t) => {
  route((_request, response) => response.writeHead(200, { 'x-padding': 'x'.repeat(8192) }).end());
  const result = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host], { maxHeaderBytes: 2048 }));
  t.equal(result.outcome, 'unreachable');
});

t.test('link-local and metadata addresses are never contacted', async (t) => {
  const literal = await lookup('169.254.169.254/team/app:v1', settingsFor(['169.254.169.254']));
  t.equal(literal.outcome, 'unreachable');
  t.match(literal.answer.summary, /169\.254\.169\.254 is blocked/);

  const mapped = await lookup('[::ffff:a9fe:a9fe]:80/team/app:v1', settingsFor(['[::ffff:a9fe:a9fe]:80']));
  t.equal(mapped.outcome, 'unreachable');
  t.match(mapped.answer.summary, /is blocked/);

  route((_request, response) =>
    response.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
  );
  const redirected = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host]));
  t.equal(redirected.outcome, 'unreachable');
  t.match(redirected.answer.summary, /169\.254\.169\.254 is blocked/);

  // A name that resolves to the metadata address, checked at connect time.
  route((request, response) => answerManifest(request, response, schema2Manifest()));
  const answers: Record<string, LookupAddress[]> = {
    'metadata.test': [{ address: '169.254.169.254', family: 4 }],
    'loopback.test': [{ address: '127.0.0.1', family: 4 }],
  };
  const guard = createAddressGuard(defaultRegistrySettings().denyCidrs, (hostname, _options, callback) => {
    const found = answers[hostname];
    if (found === undefined) callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);
    else callback(null, found);
  });
  const settings = settingsFor([`metadata.test:${server.port}`, `loopback.test:${server.port}`]);
  const client = new RegistryClient({ settings, addressGuard: guard });
  const signal = AbortSignal.timeout(10_000);
  const byName = await client.lookupManifest({
    reference: parseReference(`metadata.test:${server.port}/team/app:v1`),
    credentials: [],
    signal,
  });
  t.equal(byName.outcome, 'unreachable');
  t.match(byName.answer.summary, /metadata\.test \(169\.254\.169\.254\) is blocked/);
  const allowed = await client.lookupManifest({
    reference: parseReference(`loopback.test:${server.port}/team/app:v1`),
    credentials: [],
    signal,
  });
  t.equal(allowed.outcome, 'present', 'the same guard lets other names through');
  await client.close();
});

t.test('a deny list entry for loopback blocks the test server itself', async (t) => {
  route((request, response) => answerManifest(request, response, schema2Manifest()));
  const result = await lookup(`${server.host}/team/app:v1`, settingsFor([server.host], { denyCidrs: ['127.0.0.0/8'] }));
  t.equal(result.outcome, 'unreachable');
  t.match(result.answer.summary, /blocked/);
  t.equal(server.requests.length, 0);
});
