import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadCertificateFiles } from '../../../server/certs/certificate-files.ts';
import { writeCertificateFiles } from '../../../server/certs/write-certificate-files.ts';
import { tempDir } from '../../harness/paths.ts';

const options = { serviceName: 'pullguard', namespace: 'pullguard-system', ipAddresses: ['127.0.0.1'] };

t.test('writes ca.crt, ca.key, tls.crt and tls.key; keys are 0600', async (t) => {
  const base = tempDir('certfiles');
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const dir = join(base, 'out', 'nested');
  const written = await writeCertificateFiles(dir, options);
  t.equal(written.reusedCa, false);
  t.same(written.paths, {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'tls.crt'),
    key: join(dir, 'tls.key'),
  });
  t.equal(statSync(written.paths.key).mode & 0o777, 0o600);
  t.equal(statSync(written.paths.caKey).mode & 0o777, 0o600);
  t.equal(statSync(written.paths.cert).mode & 0o077 & ~0o044, 0, 'certificates are not group/world writable');
  t.equal(readFileSync(written.paths.caCert, 'utf8'), written.bundle.caPem);
  const material = await loadCertificateFiles({
    certFile: written.paths.cert,
    keyFile: written.paths.key,
    caFile: written.paths.caCert,
  });
  t.equal(material.cert, written.bundle.certPem, 'the files load as a usable pair');
  const cert = new X509Certificate(material.cert);
  t.ok(cert.verify(new X509Certificate(written.bundle.caPem).publicKey));
  t.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
});

t.test('running again keeps the CA unless a new one is asked for', async (t) => {
  const dir = tempDir('certfiles-again');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await writeCertificateFiles(dir, options);
  const second = await writeCertificateFiles(dir, { ...options, dnsNames: ['localhost'] });
  t.equal(second.reusedCa, true);
  t.equal(second.bundle.caPem, first.bundle.caPem);
  t.not(second.bundle.certPem, first.bundle.certPem);
  t.equal(new X509Certificate(second.bundle.certPem).checkHost('localhost'), 'localhost');
  const third = await writeCertificateFiles(dir, { ...options, newCa: true });
  t.equal(third.reusedCa, false);
  t.not(third.bundle.caPem, first.bundle.caPem);
});
