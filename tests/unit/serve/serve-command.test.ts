import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t, { type Test } from 'tap';
import { runCli } from '../../../server/cli/main.ts';
import { eventually } from '../../harness/eventually.ts';
import { repoRoot } from '../../harness/paths.ts';
import { startProcess } from '../../harness/process.ts';
import { loadReview } from '../admission/helpers/fixtures.ts';
import { callHttp1 } from '../http/helpers/tls-client.ts';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'pullguard-serve-cmd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function runInProcess(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += String(chunk);
  });
  stderr.on('data', (chunk) => {
    err += String(chunk);
  });
  const code = await runCli(argv, { stdout, stderr, stdin: new PassThrough(), env });
  return { code, stdout: out, stderr: err };
}

t.test('a bad configuration stops serve with a message naming the key', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'controller:\n  imagePullAttempts: 0\n  retries: 3\n');
  const fromFlag = await runInProcess(['serve', '--no-kube', '--config', file]);
  t.equal(fromFlag.code, 2);
  t.match(fromFlag.stderr, /controller\.imagePullAttempts/);
  t.match(fromFlag.stderr, /controller\.retries: unknown key/);

  const fromEnv = await runInProcess(['serve', '--no-kube'], { PULLGUARD_CONFIG: file });
  t.equal(fromEnv.code, 2, 'PULLGUARD_CONFIG is the fallback path');
  t.match(fromEnv.stderr, /controller\.retries: unknown key/);

  const missing = await runInProcess(['serve', '--no-kube', '--config', join(dir, 'nope.yaml')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /nope\.yaml: cannot read the configuration file \(ENOENT\)/);
});

t.test('flag misuse is a usage error', async (t) => {
  for (const [argv, message] of [
    [['serve', '--no-kube', '--port', 'http'], /--port takes 0-65535/],
    [['serve', '--no-kube', '--port', '70000'], /--port takes 0-65535/],
    [['serve', '--no-kube', '--tls-cert', 'a.pem'], /--tls-cert and --tls-key go together/],
    [['serve', '--no-kube', '--kubeconfig', 'k'], /conflict/],
    [['serve', '--bogus'], /Unknown option/],
  ] as const) {
    const result = await runInProcess([...argv]);
    t.equal(result.code, 2, argv.join(' '));
    t.match(result.stderr, message);
  }
  const help = await runInProcess(['serve', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--no-kube/);
});

t.test('without --no-kube, a missing cluster configuration is reported', async (t) => {
  const result = await runInProcess(['serve', '--port', '0'], {});
  t.equal(result.code, 2);
  t.match(result.stderr, /no Kubernetes configuration/);
});

t.test('serve --no-kube: a local demo that answers over TLS and stops cleanly on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const caFile = join(dir, 'ca.crt');
  const logFile = join(dir, 'serve.log');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'server:\n  host: 127.0.0.1\nlog:\n  level: info\n');
  const server = startProcess({
    name: 'pullguard serve',
    command: process.execPath,
    args: [
      join(repoRoot, 'bin', 'pullguard.js'),
      'serve',
      '--no-kube',
      '--config',
      config,
      '--port',
      '0',
      '--ca-out',
      caFile,
    ],
    logFile,
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '' },
  });
  t.teardown(() => server.stop());
  const port = await eventually(
    () => {
      const match = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(logFile, 'utf8'));
      return match ? Number(match[1]) : undefined;
    },
    { timeoutMs: 30_000, description: `serve to listen (log: ${logFile})` },
  );
  const ca = readFileSync(caFile, 'utf8');

  const review = loadReview('pod-create');
  review.request.object.spec.initContainers = [];
  review.request.object.spec.volumes = [];
  review.request.object.spec.containers = [{ name: 'app', image: '127.0.0.1:1/acme/app:v1' }];
  const reply = await callHttp1({
    port,
    ca,
    method: 'POST',
    path: '/validate/warn',
    body: JSON.stringify(review),
  });
  t.equal(reply.status, 200);
  t.equal(JSON.parse(reply.body).response.uid, review.request.uid);
  t.equal((await callHttp1({ port, ca, method: 'GET', path: '/readyz' })).status, 200);

  process.kill(server.pid, 'SIGTERM');
  t.equal(await server.exited, 0, 'exit code 0 after a graceful shutdown');
  const lines = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string });
  const messages = lines.map((line) => line.msg);
  t.ok(messages.includes('admission review'), 'the review was logged');
  t.ok(messages.indexOf('received a stop signal') < messages.indexOf('shut down'), 'stopped in order');
});
