import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeCertificateFiles } from '../../../server/certs/write-certificate-files.ts';
import type { Config } from '../../../server/config/config.ts';
import { parseConfigObject } from '../../../server/config/index.ts';
import { createLogger } from '../../../server/log/logger.ts';
import { startServe } from '../../../server/serve/compose.ts';
import { eventually } from '../../harness/eventually.ts';
import { createLogSink } from '../../helpers/log-sink.ts';
import { loadReview } from '../admission/helpers/fixtures.ts';
import { callHttp1, callHttp2 } from '../http/helpers/tls-client.ts';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'pullguard-serve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const local = { server: { host: '127.0.0.1', port: 0 } };

/** A Pod review whose only image is on a loopback port nothing listens on: no traffic leaves the machine. */
function loopbackReview(): unknown {
  const review = loadReview('pod-create');
  const spec = review.request.object.spec;
  spec.initContainers = [];
  spec.volumes = [];
  spec.containers = [{ name: 'app', image: '127.0.0.1:1/acme/app:v1', imagePullPolicy: 'Always' }];
  return review;
}

function plainGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('without a cluster: generated certificate, reviews over TLS, ready at once', async (t) => {
  const log = createLogSink();
  const running = await startServe({
    config: parseConfigObject(local),
    logger: createLogger({ level: 'info', destination: log.stream }),
    kubeConfig: undefined,
    defaultMetrics: false,
  });
  t.teardown(() => running.close());
  const ca = running.caPem();
  t.ok(ca?.includes('BEGIN CERTIFICATE'), 'the CA is known');
  t.same(running.readiness(), [], 'ready');

  const review = JSON.stringify(loopbackReview());
  const path = '/validate/enforce';
  for (const call of [callHttp1, callHttp2]) {
    // A registry address that refuses connections: unreachable, which enforce admits with a warning by default.
    const reply = await call({ port: running.port, ca: ca ?? '', method: 'POST', path, body: review });
    t.equal(reply.status, 200, reply.protocol);
    const response = JSON.parse(reply.body).response;
    t.equal(response.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    t.equal(response.allowed, true);
    t.match(response.warnings, [/127\.0\.0\.1:1/]);
  }
  const metrics = await callHttp1({ port: running.port, ca: ca ?? '', method: 'GET', path: '/metrics' });
  t.match(metrics.body, /pullguard_admission_reviews_total\{mode="enforce",kind="Pod"/);
  t.match(metrics.body, /pullguard_resolver_cache_total\{result="miss"\}/);

  await running.close();
  await running.close();
  t.ok(
    log.lines().some((line) => line.msg === 'shut down'),
    'close is idempotent and logged',
  );
});

t.test('a metrics port serves the ops routes over plain HTTP', async (t) => {
  const running = await startServe({
    config: parseConfigObject({ server: { ...local.server, metricsPort: 0 } }),
    logger: createLogger({ level: 'silent' }),
    kubeConfig: undefined,
    defaultMetrics: false,
  });
  t.teardown(() => running.close());
  const metricsPort = running.metricsPort;
  if (metricsPort === undefined) throw new Error('no metrics port');
  t.not(metricsPort, running.port);
  t.equal((await plainGet(metricsPort, '/healthz')).status, 200);
  t.equal((await plainGet(metricsPort, '/readyz')).status, 200);
  t.match((await plainGet(metricsPort, '/metrics')).body, /# TYPE pullguard_admission_reviews_total counter/);
  t.equal((await plainGet(metricsPort, '/validate/enforce')).status, 404, 'no admission routes there');
});

t.test('certificates from files are reloaded when they change', async (t) => {
  const dir = tempDir(t);
  const names = { serviceName: 'pullguard', namespace: 'pullguard', ipAddresses: ['127.0.0.1'] };
  const first = await writeCertificateFiles(dir, names);
  const running = await startServe({
    config: parseConfigObject({
      ...local,
      tls: { source: 'files', certFile: first.paths.cert, keyFile: first.paths.key },
    }),
    logger: createLogger({ level: 'silent' }),
    kubeConfig: undefined,
    defaultMetrics: false,
  });
  t.teardown(() => running.close());
  const ca = first.bundle.caPem;
  const before = await callHttp1({ port: running.port, ca, method: 'GET', path: '/healthz' });

  const second = await writeCertificateFiles(dir, names);
  t.ok(second.reusedCa, 'same CA, new serving certificate');
  const after = await eventually(
    async () => {
      const reply = await callHttp1({ port: running.port, ca, method: 'GET', path: '/healthz' });
      return reply.serialNumber === before.serialNumber ? undefined : reply;
    },
    { timeoutMs: 20_000, description: 'the new certificate to be served' },
  );
  t.equal(after.status, 200);
});

t.test('unusable certificate files stop the start with a message naming the keys', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'tls.crt'), 'not a certificate');
  writeFileSync(join(dir, 'tls.key'), 'not a key');
  await t.rejects(
    startServe({
      config: parseConfigObject({
        ...local,
        tls: { source: 'files', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
      }),
      logger: createLogger({ level: 'silent' }),
      kubeConfig: undefined,
      defaultMetrics: false,
    }),
    { code: 'CONFIG_INVALID', message: /tls\.certFile/ },
  );
});

t.test('the configuration file is watched: good changes reach the listeners, bad ones are ignored', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'config.yaml');
  const yaml = (attempts: number) =>
    `server:\n  host: 127.0.0.1\n  port: 0\ncontroller:\n  imagePullAttempts: ${attempts}\n`;
  writeFileSync(path, yaml(3));
  const log = createLogSink();
  const running = await startServe({
    config: parseConfigObject({ ...local, controller: { imagePullAttempts: 3 } }),
    logger: createLogger({ level: 'info', destination: log.stream }),
    kubeConfig: undefined,
    configPath: path,
    overrides: { port: 0 },
    defaultMetrics: false,
    configPollIntervalMs: 50,
  });
  t.teardown(() => running.close());
  const seen: Config[] = [];
  running.onConfigChange((next) => seen.push(next));

  writeFileSync(path, yaml(5));
  const changed = await eventually(() => seen[0], { description: 'the reloaded configuration' });
  t.equal(changed.controller.imagePullAttempts, 5);
  t.equal(changed.server.port, 0, 'flags still win over the file');

  writeFileSync(path, 'controller:\n  imagePullAttempts: many\n');
  await eventually(
    () => log.lines().find((line) => line.msg === 'configuration not reloaded; keeping the last good one'),
    {
      description: 'the refusal to be logged',
    },
  );
  t.equal(seen.length, 1, 'a bad file is not passed on');
  t.match(log.text(), /controller\.imagePullAttempts/, 'the log names the key');

  writeFileSync(path, yaml(5).replace('host: 127.0.0.1', 'host: 127.0.0.1\n  metricsPort: 9999'));
  await eventually(() => log.lines().find((line) => line.msg === 'these settings apply after a restart'), {
    description: 'the restart note',
  });
});
