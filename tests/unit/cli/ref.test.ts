import t from 'tap';
import { runCli } from '../../../server/cli/main.ts';
import { captureIo } from '../../helpers/cli-io.ts';

t.test('prints what the kubelet would pull, one line per image', async (t) => {
  const io = captureIo();
  const code = await runCli(['ref', 'nginx', `localhost:5000/app@sha256:${'a'.repeat(64)}`, 'ghcr.io/a/b:v1'], io);
  t.equal(code, 0);
  t.equal(io.out(), `docker.io/library/nginx:latest\nlocalhost:5000/app@sha256:${'a'.repeat(64)}\nghcr.io/a/b:v1\n`);
});

t.test('-o json gives the documented fields, tag and digest as written', async (t) => {
  const io = captureIo();
  const digest = `sha256:${'b'.repeat(64)}`;
  const code = await runCli(['ref', '-o', 'json', `ghcr.io/a/b:v1@${digest}`, 'Bad'], io);
  t.equal(code, 1, 'an invalid image makes the exit code 1');
  const [good, bad] = io
    .out()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  t.same(good, {
    input: `ghcr.io/a/b:v1@${digest}`,
    valid: true,
    domain: 'ghcr.io',
    path: 'a/b',
    name: 'ghcr.io/a/b',
    tag: 'v1',
    digest,
    ref: `ghcr.io/a/b@${digest}`,
  });
  t.equal(bad.valid, false);
  t.equal(bad.input, 'Bad');
  t.match(bad.error, /must be lowercase/);
});

t.test('after --, an option-looking argument is an (invalid) image; before it, a usage error', async (t) => {
  const data = captureIo();
  t.equal(await runCli(['ref', '--', '-foo'], data), 1);
  t.match(data.err(), /invalid reference format/);
  const usage = captureIo();
  t.equal(await runCli(['ref', '-foo'], usage), 2);
  t.match(usage.err(), /pullguard ref: .*Unknown option/i);
});

t.test('help and unknown commands', async (t) => {
  const help = captureIo();
  t.equal(await runCli(['ref', '--help'], help), 0);
  t.match(help.out(), /Usage: pullguard ref/);
  const none = captureIo();
  t.equal(await runCli(['ref'], none), 2);
  const unknown = captureIo();
  t.equal(await runCli(['frobnicate'], unknown), 2);
  t.match(unknown.err(), /unknown command "frobnicate"/);
  const top = captureIo();
  t.equal(await runCli([], top), 2);
  t.match(top.err(), /Commands:/);
});
