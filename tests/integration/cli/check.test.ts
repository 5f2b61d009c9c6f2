import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../../server/cli/main.ts';
import { tempDir } from '../../harness/paths.ts';
import { pushImage, pushIndex } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { captureIo } from '../../helpers/cli-io.ts';

interface Line {
  image: string;
  outcome: string;
  detail: string;
  digest: string | null;
}

async function check(argv: string[]): Promise<{ code: number; lines: Line[]; err: string }> {
  const io = captureIo();
  const code = await runCli(['check', '-o', 'json', ...argv], io);
  const lines = io
    .out()
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
  return { code, lines, err: io.err() };
}

t.test('against a real registry: present, missing tag, missing repository, digest, platforms', async (t) => {
  const registry = await useRegistry(t);
  const host = registry.host;
  const image = await pushImage(registry, { repository: 'team/app', tag: 'v1', format: 'oci' });
  await pushIndex(registry, {
    repository: 'team/multi',
    tag: '1',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  });

  const found = await check(['--insecure-registry', host, `${host}/team/app:v1`, `${host}/team/app@${image.digest}`]);
  t.equal(found.code, 0);
  t.same(
    found.lines.map((line) => [line.outcome, line.digest]),
    [
      ['present', image.digest],
      ['present', image.digest],
    ],
  );

  const missing = await check(['--insecure-registry', host, `${host}/team/app:v2`, `${host}/team/ap:v1`]);
  t.equal(missing.code, 1);
  t.same(
    missing.lines.map((line) => line.outcome),
    ['absent', 'absent'],
  );
  t.match(missing.lines[0]?.detail, new RegExp(`${host.replace(/\./g, '\\.')} answered 404`));

  const arm = await check(['--insecure-registry', host, '--platform', 'linux/arm64', `${host}/team/multi:1`]);
  t.equal(arm.code, 0);
  const s390x = await check(['--insecure-registry', host, '--platform', 'linux/s390x', `${host}/team/multi:1`]);
  t.equal(s390x.code, 1);
  t.equal(s390x.lines[0]?.outcome, 'platform-missing');
  t.match(s390x.lines[0]?.detail, /linux\/amd64, linux\/arm64/);
});

t.test('plain HTTP only when asked: without --insecure-registry the registry is unreachable (exit 3)', async (t) => {
  const registry = await useRegistry(t);
  await pushImage(registry, { repository: 'team/app', tag: 'v1' });
  const result = await check(['--timeout', '10', `${registry.host}/team/app:v1`]);
  t.equal(result.code, 3);
  t.equal(result.lines[0]?.outcome, 'unreachable');
});

t.test('htpasswd registry: the pull secret makes it present; without it, unauthorized (exit 3)', async (t) => {
  const registry = await useRegistry(t, { auth: 'htpasswd' });
  const user = registry.users[0];
  if (!user) throw new Error('the htpasswd registry has no user');
  await pushImage(registry, { repository: 'private/app', tag: 'v1', user });
  const dir = tempDir('cli-secret');
  const secret = join(dir, 'secret.json');
  const auths = { [registry.host]: { username: user.username, password: user.password } };
  writeFileSync(
    secret,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
    }),
  );
  const image = `${registry.host}/private/app:v1`;
  const withSecret = await check(['--insecure-registry', registry.host, '--pull-secret', secret, image]);
  t.equal(withSecret.code, 0);
  t.equal(withSecret.lines[0]?.outcome, 'present');

  const without = await check(['--insecure-registry', registry.host, image]);
  t.equal(without.code, 3);
  t.equal(without.lines[0]?.outcome, 'unauthorized');
  t.notMatch(JSON.stringify(withSecret) + JSON.stringify(without), user.password, 'the password is never printed');
});
