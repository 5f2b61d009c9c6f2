import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../../server/cli/main.ts';
import { captureIo } from '../../helpers/cli-io.ts';

// Cases decided without any registry: invalid references, exemptions, `Never`, undecodable pull secrets,
// and the usage errors. The registry-backed cases live in tests/integration/cli/.

const dir = mkdtempSync(join(tmpdir(), 'pullguard-cli-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

t.test('manifests: every pod-bearing kind, field paths, Lists, Never and invalid images', async (t) => {
  const file = write(
    'manifests.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - {name: app, image: "Bad Image", imagePullPolicy: Always}
        - {name: local, image: "registry.local/app:1", imagePullPolicy: Never}
---
apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      jobTemplate:
        spec:
          template:
            spec:
              initContainers: [{name: init, image: "upper/Case"}]
              containers: [{name: c, image: "x", imagePullPolicy: Never}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ignored}
`,
  );
  const io = captureIo();
  const code = await runCli(['check', '-o', 'json', '-f', file], io);
  t.equal(code, 1, 'an invalid image makes the exit code 1');
  const lines = io
    .out()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  t.same(
    lines.map((line) => [line.object, line.fieldPath, line.outcome]),
    [
      ['Deployment/web', 'spec.template.spec.containers[0].image', 'invalid'],
      ['Deployment/web', 'spec.template.spec.containers[1].image', 'skipped'],
      ['CronJob/nightly', 'spec.jobTemplate.spec.template.spec.containers[0].image', 'skipped'],
      ['CronJob/nightly', 'spec.jobTemplate.spec.template.spec.initContainers[0].image', 'invalid'],
    ],
  );
});

t.test('standard input with -f -', async (t) => {
  const io = captureIo(
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"A"}]}}',
  );
  t.equal(await runCli(['check', '-f', '-'], io), 1);
  t.match(io.out(), /^invalid\s+Pod\/p spec\.containers\[0\]\.image A\s+/);
});

t.test('exempt images are skipped without I/O', async (t) => {
  const config = write('config.yaml', 'admission:\n  exemptImages: ["registry.internal/**"]\n');
  const io = captureIo();
  t.equal(await runCli(['check', '--config', config, 'registry.internal/team/app:1'], io), 0);
  t.match(io.out(), /^skipped\s+registry\.internal\/team\/app:1\s+exempt/);
});

t.test('a pull secret the kubelet cannot decode fails the check, naming the secret and not its data', async (t) => {
  const secret = write(
    'secret.yaml',
    `apiVersion: v1
kind: Secret
metadata: {name: broken}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ${Buffer.from('{"auths":{"ghcr.io":{"auth":"%%%not-base64"}}}').toString('base64')}
`,
  );
  const io = captureIo();
  t.equal(await runCli(['check', '--pull-secret', secret, 'ghcr.io/a/b:1'], io), 1);
  t.match(io.out(), /secret "broken"/);
  t.notMatch(io.out() + io.err(), /not-base64/);
});

t.test('usage errors exit 2 with a message on stderr', async (t) => {
  const cases: [string[], RegExp][] = [
    [['check'], /name at least one IMAGE or -f FILE/],
    [['check', '-f', join(dir, 'missing.yaml')], /cannot read/],
    [['check', '-f', write('bad.yaml', 'a: [b\n')], /not valid YAML/],
    [['check', '--platform', 'amd64', 'nginx'], /--platform must look like os\/arch/],
    [
      ['check', '--config', write('badconfig.yaml', 'controller: {imagePullAttempts: 0}\n'), 'nginx'],
      /imagePullAttempts/,
    ],
    [['check', '-o', 'yaml', 'nginx'], /-o must be "text" or "json"/],
    [['check', '--timeout', 'soon', 'nginx'], /--timeout/],
    [['check', '--bogus'], /Unknown option/],
  ];
  for (const [argv, message] of cases) {
    const io = captureIo();
    t.equal(await runCli(argv, io), 2, argv.join(' '));
    t.match(io.err(), message, argv.join(' '));
    t.equal(io.out(), '', `${argv.join(' ')}: nothing on stdout`);
  }
});
