import { execFile, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { acquireFileLock } from '../../harness/go-build-lock.ts';
import { canShare, describeKube, readSharedKube, sharedKubeEnv, uniqueName, useKube } from '../../harness/kube.ts';
import { kubeNeeds } from '../../harness/kube-shared.ts';
import { stagingModules, stagingVersion } from '../../harness/kubernetes-recipe.ts';
import { tempDir } from '../../harness/paths.ts';

t.test('staging modules come from the => ./staging lines of k8s.io/kubernetes go.mod', async (t) => {
  const goMod = [
    'module k8s.io/kubernetes',
    'require (',
    '\tk8s.io/api v0.0.0',
    '\tgithub.com/x/y v1.0.0',
    ')',
    'replace (',
    '\tk8s.io/api => ./staging/src/k8s.io/api',
    '\tk8s.io/client-go => ./staging/src/k8s.io/client-go',
    '\tgithub.com/x/y => github.com/x/y v1.0.1',
    ')',
    'replace k8s.io/kms => ./staging/src/k8s.io/kms',
  ].join('\n');
  t.same(stagingModules(goMod), ['k8s.io/api', 'k8s.io/client-go', 'k8s.io/kms']);
  t.equal(stagingVersion('v1.34.4'), 'v0.34.4');
});

t.test('uniqueName gives distinct DNS-1123 labels', async (t) => {
  const names = ['Pull Guard!', 'a', '-x-', 'x'.repeat(80), ''].map((prefix) => uniqueName(prefix));
  for (const name of names) {
    t.ok(name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name), `${name} is a label`);
  }
  t.equal(new Set([...names, uniqueName('a')]).size, names.length + 1);
});

t.test('which shared cluster the test files ask for', async (t) => {
  const table = [
    { sources: ['t.test("x")'], want: { kube: false, controllerManager: false } },
    { sources: ['await useKube(t)', 'x'], want: { kube: true, controllerManager: false } },
    {
      sources: ['await useKube(t)', 'useKube(t, { controllerManager: true })'],
      want: { kube: true, controllerManager: true },
    },
    { sources: ['controllerManager: true'], want: { kube: false, controllerManager: false } },
  ];
  for (const { sources, want } of table) t.same(kubeNeeds(sources), want, sources.join(' / '));
});

t.test('when a shared cluster will do', async (t) => {
  const shared = (controllerManager: boolean) => ({
    server: 'https://127.0.0.1:1',
    kubeconfigPath: '/nonexistent',
    caPem: '',
    auditLogPath: '',
    controllerManager,
  });
  const table = [
    { shared: shared(false), options: {}, want: true },
    { shared: shared(false), options: { controllerManager: true }, want: false },
    { shared: shared(true), options: { controllerManager: false }, want: true },
    { shared: shared(true), options: { controllerManager: true }, want: true },
    { shared: shared(true), options: { apiserverArgs: ['--v=4'] }, want: false },
    { shared: shared(true), options: { apiserverArgs: [] }, want: true },
  ];
  for (const { shared, options, want } of table) t.equal(canShare(shared, options), want, JSON.stringify(options));
});

t.test('useKube reuses a live shared cluster and ignores a stale description', async (t) => {
  const dir = tempDir('kube-shared-test');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const description = {
    server: 'https://127.0.0.1:1',
    kubeconfigPath,
    caPem: 'ca',
    auditLogPath: join(dir, 'audit.log'),
    controllerManager: false,
  };
  const saved = process.env[sharedKubeEnv];
  t.teardown(() => {
    if (saved === undefined) delete process.env[sharedKubeEnv];
    else process.env[sharedKubeEnv] = saved;
  });
  process.env[sharedKubeEnv] = describeKube(description);
  t.equal(readSharedKube(), undefined, 'no kubeconfig on disk: stale');
  writeFileSync(kubeconfigPath, '{}');
  t.same(readSharedKube(), description);
  const teardowns: unknown[] = [];
  const kube = await useKube({ teardown: (fn) => teardowns.push(fn) });
  t.equal(kube.server, description.server);
  t.equal(teardowns.length, 0, 'a shared cluster is not torn down by the test');
  await kube.stop();
  t.ok(existsSync(kubeconfigPath), 'stop() of a shared cluster leaves it alone');
});

t.test('the build lock', async (t) => {
  const dir = tempDir('kube-lock-test');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'build.lock');

  await t.test('a second taker waits for the first to release', async (t) => {
    const releaseFirst = await acquireFileLock(path, { timeoutMs: 5000, description: 'first' });
    let secondHasIt = false;
    const second = acquireFileLock(path, { timeoutMs: 10_000, description: 'second' }).then((release) => {
      secondHasIt = true;
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    t.notOk(secondHasIt, 'held by the first');
    releaseFirst();
    const releaseSecond = await second;
    t.ok(secondHasIt);
    releaseSecond();
    t.notOk(existsSync(path), 'released');
  });

  await t.test('a lock left by a dead process is taken over', async (t) => {
    const dead = spawnSync('true').pid;
    writeFileSync(path, `${dead}\n`);
    const release = await acquireFileLock(path, { timeoutMs: 5000, description: 'stale' });
    release();
    t.notOk(existsSync(path));
  });

  await t.test('a lock held by a live process times out', async (t) => {
    writeFileSync(path, `${process.pid}\n`);
    await t.rejects(acquireFileLock(path, { timeoutMs: 1500, description: 'held' }), /held by PID/);
    rmSync(path);
  });
});

t.test('two processes needing the same binaries build them once', async (t) => {
  const cache = tempDir('go-build-test');
  t.teardown(() => rmSync(cache, { recursive: true, force: true }));
  const goBuild = new URL('../../harness/go-build.ts', import.meta.url).href;
  const script = `
    import { ensureGoBinaries, writeModuleFile } from '${goBuild}';
    const paths = await ensureGoBinaries({
      key: 'hello-v1',
      async prepare(dir) {
        writeModuleFile(dir, 'go.mod', 'module pullguard.dev/hello\\n\\ngo 1.24.0\\n');
        writeModuleFile(dir, 'main.go', 'package main\\n\\nfunc main() {}\\n');
      },
      get: [],
      packages: ['.'],
      binaries: ['hello'],
    });
    console.log(paths.hello);`;
  const run = () =>
    promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, PULLGUARD_CACHE_DIR: cache },
    });
  const results = await Promise.all([run(), run()]);
  const binary = join(cache, 'bin', 'hello-v1', 'hello');
  t.same(
    results.map((result) => result.stdout.trim()),
    [binary, binary],
  );
  t.equal(results.filter((result) => result.stderr.includes('[harness] building hello-v1')).length, 1, 'built once');
  t.ok(existsSync(binary));
  t.notOk(existsSync(join(cache, 'bin', 'hello-v1.lock')), 'lock released');
});
