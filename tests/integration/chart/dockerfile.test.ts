/**
 * The container image, checked as far as a machine without a Docker engine allows: the Dockerfile passes BuildKit's
 * own lint checks (tools/dockerfile-lint.ts) and has the shape the issue asks for, and what its build stage runs
 * (`npm run build`, i.e. tsc with tsconfig.build.json) emits JavaScript that Node 24 runs as the image's ENTRYPOINT
 * does: `node dist/bin/pullguard.js …`, including `serve` answering over HTTPS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { lintDockerfile } from '../../../tools/dockerfile-lint.ts';
import { eventually, GiveUp } from '../../harness/eventually.ts';
import { uniqueName } from '../../harness/kube.ts';
import { httpsGet } from '../../harness/kube-process.ts';
import { repoRoot } from '../../harness/paths.ts';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const finalStage = instructions.slice(instructions.findLastIndex((line) => /^FROM\s/i.test(line)));

t.test("BuildKit's Dockerfile checks find nothing", async (t) => {
  const report = await lintDockerfile();
  t.same(report.warnings, [], 'no lint warnings');
  t.notOk(report.error, `no build error: ${report.error ?? ''}`);
});

t.test('multi-stage, production dependencies only, a numeric non-root user, no HEALTHCHECK, OCI labels', async (t) => {
  t.ok(instructions.filter((line) => /^FROM\s/i.test(line)).length >= 2, 'several stages');
  t.ok(
    instructions.some((line) => /^RUN npm run build\b/.test(line)),
    'the build stage compiles with npm run build',
  );
  t.ok(
    instructions.some((line) => /^RUN npm ci --omit=dev\b/.test(line)),
    'production dependencies from npm ci --omit=dev',
  );
  t.match(finalStage[0], /^FROM \$\{RUNTIME_IMAGE\}/, 'the runtime stage is the Node 24 runtime image');
  t.match(dockerfile, /ARG RUNTIME_IMAGE=gcr\.io\/distroless\/nodejs24-debian12:nonroot/, 'Node 24, no shell');
  t.match(dockerfile, /ARG NODE_IMAGE=node:24-/, 'Node 24 for building');
  const user = finalStage.find((line) => /^USER\s/.test(line));
  t.match(user, /^USER [1-9][0-9]*(:[0-9]+)?$/, 'a numeric non-root USER');
  t.notOk(
    instructions.some((line) => /^HEALTHCHECK\s/i.test(line)),
    'no HEALTHCHECK',
  );
  t.notOk(
    finalStage.some((line) => /^RUN\s/.test(line)),
    'nothing runs in the runtime stage (it has no shell)',
  );
  t.match(
    finalStage.find((line) => /^ENTRYPOINT\s/.test(line)),
    /^ENTRYPOINT \["\/nodejs\/bin\/node", ("--[a-z-]+=[0-9]+", )*"dist\/bin\/pullguard\.js"\]$/,
  );
  for (const label of ['title', 'description', 'licenses', 'version', 'revision', 'created', 'source']) {
    t.match(dockerfile, new RegExp(`org\\.opencontainers\\.image\\.${label}=`), `OCI label ${label}`);
  }
  const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
  t.match(ignore, /^\*$/m, '.dockerignore starts from nothing');
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin/', 'server/']) {
    t.match(ignore, new RegExp(`^!${path.replace('.', '\\.')}$`, 'm'), `the build context has ${path}`);
  }
});

/**
 * Node 24 as in the image: without tap's loaders, which tap's process tracking puts back into NODE_OPTIONS of every
 * child it sees; `env -u` drops them in the grandchild.
 */
const plainNode = (args: string[]): [string, string[]] => [
  '/usr/bin/env',
  ['-u', 'NODE_OPTIONS', process.execPath, ...args],
];

t.test('the compiled output runs with node dist/bin/pullguard.js and serves', async (t) => {
  // Inside the repository (not PULLGUARD_CACHE_DIR, which may be elsewhere), so that node_modules and package.json
  // ("type": "module") resolve as in the image.
  const outDir = join(repoRoot, '.cache', 'dist-test', uniqueName('dist'));
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }));
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(...plainNode([tsc, '-p', 'tsconfig.build.json', '--outDir', outDir]), {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  t.equal(built.status, 0, `tsc -p tsconfig.build.json: ${built.stdout}${built.stderr}`);
  const entry = join(outDir, 'bin', 'pullguard.js');
  t.notMatch(readFileSync(entry, 'utf8'), /\.ts['"]/, 'the entry imports .js files');

  const ref = spawnSync(...plainNode([entry, 'ref', 'nginx']), { encoding: 'utf8' });
  t.equal(ref.status, 0, ref.stderr);
  t.equal(ref.stdout.trim(), 'docker.io/library/nginx:latest');
  const help = spawnSync(...plainNode([entry, 'serve', '--help']), { encoding: 'utf8' });
  t.equal(help.status, 0, help.stderr);
  t.match(help.stdout, /Usage: pullguard serve/);

  const serve = spawn(...plainNode([entry, 'serve', '--no-kube', '--port', '0']), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PULLGUARD_CONFIG: '' },
  });
  const exited = new Promise<number | null>((resolve) => serve.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (serve.exitCode === null) serve.kill('SIGKILL');
  });
  let stderr = '';
  serve.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  serve.stdout.resume();
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = await eventually(
    () => {
      if (gone) throw new GiveUp(`serve exited: ${stderr}`);
      return /listening on (https:\/\/\S+)/.exec(stderr)?.[1];
    },
    { timeoutMs: 30_000, description: 'serve to listen' },
  );
  const health = await httpsGet(`${url}/healthz`, { insecure: true });
  t.equal(health.status, 200, '/healthz over HTTPS');
  serve.kill('SIGTERM');
  t.equal(await exited, 0, 'stops cleanly on SIGTERM');
});
