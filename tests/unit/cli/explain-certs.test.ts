import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../../server/cli/main.ts';
import { captureIo } from '../../helpers/cli-io.ts';

const dir = mkdtempSync(join(tmpdir(), 'pullguard-cli-'));

function secretFile(name: string, auths: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  const data = Buffer.from(JSON.stringify({ auths })).toString('base64');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': data },
    }),
  );
  return path;
}

t.test('explain --offline lists the credentials in the kubelet order and never a password', async (t) => {
  const first = secretFile('team', { 'ghcr.io/acme': { username: 'team-bot', password: 'pw-team-123' } });
  const second = secretFile('org', { 'ghcr.io': { username: 'org-bot', password: 'pw-org-456' }, 'quay.io': {} });
  const io = captureIo();
  const code = await runCli(
    ['explain', '--offline', '-o', 'json', '--pull-secret', first, '--pull-secret', second, 'ghcr.io/acme/api:v1'],
    io,
  );
  t.equal(code, 0);
  const result = JSON.parse(io.out());
  t.same(result, {
    ref: 'ghcr.io/acme/api:v1',
    credentials: [
      { secret: 'team', key: 'ghcr.io/acme', username: 'team-bot' },
      { secret: 'org', key: 'ghcr.io', username: 'org-bot' },
    ],
  });
  t.notMatch(io.out(), /pw-/);
});

t.test('explain: anonymous pull, invalid image, undecodable secret', async (t) => {
  const anonymous = captureIo();
  t.equal(await runCli(['explain', '--offline', 'nginx'], anonymous), 0);
  t.match(anonymous.out(), /reference:\s+docker\.io\/library\/nginx:latest/);
  t.match(anonymous.out(), /none match: the kubelet pulls anonymously/);

  const invalid = captureIo();
  t.equal(await runCli(['explain', '--offline', '-o', 'json', 'Not/Valid'], invalid), 1);
  t.match(JSON.parse(invalid.out()).error, /must be lowercase/);

  const broken = secretFile('broken', { 'ghcr.io': { auth: 'bm8tY29sb24=' } });
  const io = captureIo();
  t.equal(await runCli(['explain', '--offline', '-o', 'json', '--pull-secret', broken, 'ghcr.io/a/b'], io), 1);
  t.match(JSON.parse(io.out()).error, /broken/);
});

t.test('certs --out writes a CA and a serving certificate for localhost', async (t) => {
  const out = join(dir, 'certs');
  const io = captureIo();
  t.equal(await runCli(['certs', '--out', out], io), 0);
  const ca = new X509Certificate(readFileSync(join(out, 'ca.crt')));
  const cert = new X509Certificate(readFileSync(join(out, 'tls.crt')));
  t.ok(cert.verify(ca.publicKey), 'signed by the CA');
  t.match(cert.subjectAltName ?? '', /DNS:localhost/);
  t.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  t.match(cert.subjectAltName ?? '', /DNS:pullguard\.pullguard\.svc/);
  t.equal(statSync(join(out, 'tls.key')).mode & 0o777, 0o600);

  const again = captureIo();
  t.equal(await runCli(['certs', '--out', out], again), 0);
  t.match(again.out(), /kept CA/);
  t.ok(new X509Certificate(readFileSync(join(out, 'ca.crt'))).fingerprint256 === ca.fingerprint256, 'CA kept');

  const missing = captureIo();
  t.equal(await runCli(['certs'], missing), 2);
  t.match(missing.err(), /--out DIR is required/);
});
