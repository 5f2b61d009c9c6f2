import { X509Certificate } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  type CertificateBundle,
  createCertificateBundle,
  renewServingCertificate,
} from '../../../server/certs/certificate-bundle.ts';
import type { CertificateError } from '../../../server/certs/certificate-error.ts';
import { loadCertificateFiles, watchCertificateFiles } from '../../../server/certs/certificate-files.ts';
import type { TlsMaterial } from '../../../server/certs/tls-material.ts';
import { eventually } from '../../harness/eventually.ts';
import { tempDir } from '../../harness/paths.ts';

const serving = { serviceName: 'pullguard', namespace: 'ns' };
const first = createCertificateBundle(serving);
const second = renewServingCertificate(first, serving);
const third = renewServingCertificate(first, serving);
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;
const HOUR = 60 * 60 * 1000;

function writePlain(dir: string, bundle: CertificateBundle): void {
  writeFileSync(join(dir, 'tls.key'), bundle.keyPem);
  writeFileSync(join(dir, 'tls.crt'), bundle.certPem);
  writeFileSync(join(dir, 'ca.crt'), bundle.caPem);
}

function plainFiles(dir: string) {
  return { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
}

function freshDir(t: Pick<typeof import('tap').default, 'teardown'>, prefix: string): string {
  const dir = tempDir(prefix);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What the kubelet does for a Secret volume: write a new timestamped folder, then swap the `..data` symlink. */
let generation = 0;
async function writeAsKubelet(dir: string, bundle: CertificateBundle): Promise<void> {
  const folder = `..gen_${++generation}`;
  mkdirSync(join(dir, folder));
  writePlain(join(dir, folder), bundle);
  symlinkSync(folder, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
}

function recorder() {
  const serials: string[] = [];
  const errors: CertificateError[] = [];
  return {
    serials,
    errors,
    onChange: (material: TlsMaterial) => serials.push(serialOf(material.cert)),
    onError: (error: CertificateError) => errors.push(error),
  };
}

t.test('a kubelet-style symlink swap is picked up through fs.watch', async (t) => {
  const dir = freshDir(t, 'certwatch-kubelet');
  await writeAsKubelet(dir, first);
  for (const file of ['tls.crt', 'tls.key', 'ca.crt']) symlinkSync(join('..data', file), join(dir, file));
  const files = plainFiles(dir);
  const initial = await loadCertificateFiles(files);
  t.equal(initial.ca, first.caPem);

  const seen = recorder();
  // Polling every hour: within this test only fs.watch can notice the change.
  const watcher = watchCertificateFiles(files, seen.onChange, { initial, pollIntervalMs: HOUR });
  t.teardown(() => watcher.close());

  await writeAsKubelet(dir, second);
  await eventually(() => (seen.serials.includes(serialOf(second.certPem)) ? true : undefined), {
    timeoutMs: 5000,
    description: 'the watcher to report the swapped certificate',
  });
  t.same(seen.serials, [serialOf(second.certPem)], 'one change, no repeats');
});

t.test('polling alone notices files rewritten in place', async (t) => {
  const dir = freshDir(t, 'certwatch-poll');
  writePlain(dir, first);
  const files = plainFiles(dir);
  const seen = recorder();
  const watcher = watchCertificateFiles(files, seen.onChange, {
    initial: await loadCertificateFiles(files),
    pollIntervalMs: 20,
    useFsWatch: false,
  });
  t.teardown(() => watcher.close());

  writePlain(dir, second);
  await eventually(() => (seen.serials.length > 0 ? true : undefined), { timeoutMs: 5000 });
  t.same(seen.serials, [serialOf(second.certPem)]);
});

t.test('garbage and half-written pairs are ignored until the files fit together', async (t) => {
  const dir = freshDir(t, 'certwatch-garbage');
  writePlain(dir, first);
  const files = plainFiles(dir);
  const seen = recorder();
  const watcher = watchCertificateFiles(files, seen.onChange, {
    initial: await loadCertificateFiles(files),
    pollIntervalMs: HOUR,
    useFsWatch: false,
    onError: seen.onError,
  });
  t.teardown(() => watcher.close());

  writeFileSync(files.certFile, '-----BEGIN CERTIFICATE-----\ntruncated');
  t.equal(await watcher.reload(), false, 'a certificate that does not parse is no change');
  t.equal(await watcher.reload(), false);
  t.equal(seen.errors.length, 1, 'the same problem is reported once');
  t.match(seen.errors[0]?.message ?? '', /does not parse/);

  writeFileSync(files.certFile, second.certPem);
  t.equal(await watcher.reload(), false, 'new certificate with the old key: wait for the key');
  t.match(seen.errors[1]?.message ?? '', /does not belong/);

  writeFileSync(files.keyFile, second.keyPem);
  t.equal(await watcher.reload(), true);
  t.same(seen.serials, [serialOf(second.certPem)]);

  rmSync(files.keyFile);
  t.equal(await watcher.reload(), false, 'a missing file is no change');
  t.match(seen.errors.at(-1)?.message ?? '', /ENOENT/);
  for (const error of seen.errors) t.notMatch(error.message, /PRIVATE KEY|BEGIN/, 'errors carry no PEM text');
});

t.test('without an initial value the first good read is a change', async (t) => {
  const dir = freshDir(t, 'certwatch-initial');
  writePlain(dir, first);
  const seen = recorder();
  const watcher = watchCertificateFiles(plainFiles(dir), seen.onChange, { pollIntervalMs: HOUR, useFsWatch: false });
  t.teardown(() => watcher.close());
  t.equal(await watcher.reload(), true);
  t.equal(await watcher.reload(), false);
  t.same(seen.serials, [serialOf(first.certPem)]);
});

t.test('after close nothing is reported', async (t) => {
  const dir = freshDir(t, 'certwatch-close');
  writePlain(dir, first);
  const files = plainFiles(dir);
  const seen = recorder();
  const watcher = watchCertificateFiles(files, seen.onChange, { initial: await loadCertificateFiles(files) });
  watcher.close();
  writePlain(dir, third);
  t.equal(await watcher.reload(), false);
  t.same(seen.serials, []);
});

t.test('loadCertificateFiles refuses what a server could not use', async (t) => {
  const dir = freshDir(t, 'certwatch-load');
  writePlain(dir, first);
  const files = plainFiles(dir);
  t.same(await loadCertificateFiles({ certFile: files.certFile, keyFile: files.keyFile }), {
    cert: first.certPem,
    key: first.keyPem,
  });
  await t.rejects(loadCertificateFiles({ ...files, keyFile: join(dir, 'missing.key') }), {
    code: 'CERTIFICATE_ERROR',
    message: /ENOENT/,
  });
  writeFileSync(files.keyFile, second.keyPem);
  await t.rejects(loadCertificateFiles(files), { code: 'CERTIFICATE_ERROR', message: /does not belong/ });
});
