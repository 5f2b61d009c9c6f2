import { createPrivateKey, X509Certificate } from 'node:crypto';
import t from 'tap';
import { createCertificateAuthority } from '../../../server/certs/ca.ts';
import { createCertificateBundle, renewServingCertificate } from '../../../server/certs/certificate-bundle.ts';
import { CertificateError } from '../../../server/certs/certificate-error.ts';
import { createServingCertificate, serviceDnsNames, servingNames } from '../../../server/certs/serving-cert.ts';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-03-01T12:00:00.000Z');
const options = {
  serviceName: 'pullguard',
  namespace: 'pullguard-system',
  dnsNames: ['localhost', 'Webhook.Example.COM'],
  ipAddresses: ['127.0.0.1', '::1'],
  now,
};

t.test('the serving certificate verifies against the CA and names every SAN', async (t) => {
  const bundle = createCertificateBundle(options);
  const ca = new X509Certificate(bundle.caPem);
  const cert = new X509Certificate(bundle.certPem);

  t.ok(ca.ca, 'the CA is a CA');
  t.notOk(cert.ca, 'the serving certificate is not a CA');
  t.ok(cert.verify(ca.publicKey), 'signature checks out with the CA key');
  t.ok(cert.checkIssued(ca), 'issuer and key identifiers match the CA');
  t.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
  t.ok(ca.checkPrivateKey(createPrivateKey(bundle.caKeyPem)), 'the CA key is kept with the CA');
  t.ok(cert.checkPrivateKey(createPrivateKey(bundle.keyPem)), 'the key belongs to the certificate');
  t.same(cert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extended key usage is serverAuth only');

  for (const name of [
    'pullguard',
    'pullguard.pullguard-system',
    'pullguard.pullguard-system.svc',
    'pullguard.pullguard-system.svc.cluster.local',
    'localhost',
    'webhook.example.com',
  ]) {
    t.equal(cert.checkHost(name, { subject: 'never' }), name, `DNS SAN ${name}`);
  }
  t.equal(cert.checkIP('127.0.0.1'), '127.0.0.1', 'IPv4 SAN');
  t.equal(cert.checkIP('::1'), '::1', 'IPv6 SAN');
  t.equal(cert.checkHost('other.example.com', { subject: 'never' }), undefined, 'no other names');
  t.equal(cert.checkIP('10.0.0.1'), undefined, 'no other addresses');
});

t.test('validity windows: CA about 10 years, serving certificate about 1 year, both backdated a little', async (t) => {
  const bundle = createCertificateBundle(options);
  const ca = new X509Certificate(bundle.caPem);
  const cert = new X509Certificate(bundle.certPem);
  t.ok(ca.validFromDate <= now && ca.validFromDate.getTime() >= now.getTime() - 10 * 60 * 1000);
  t.equal(Math.round((ca.validToDate.getTime() - now.getTime()) / DAY), 3650);
  t.ok(cert.validFromDate <= now && cert.validFromDate.getTime() >= now.getTime() - 10 * 60 * 1000);
  t.equal(Math.round((cert.validToDate.getTime() - now.getTime()) / DAY), 365);
  t.same(bundle.notAfter, cert.validToDate, 'the bundle reports what the certificate says');
  t.same(bundle.notBefore, cert.validFromDate);
});

t.test('a serving certificate never outlives its CA', async (t) => {
  const ca = createCertificateAuthority({ validityDays: 30, now });
  const serving = createServingCertificate(ca, { ...options, validityDays: 365 });
  t.same(serving.notAfter, ca.notAfter);
});

t.test('serials are random and reported as node:crypto prints them', async (t) => {
  const ca = createCertificateAuthority({ now });
  const a = createServingCertificate(ca, options);
  const b = createServingCertificate(ca, options);
  t.not(a.serialNumber, b.serialNumber);
  t.equal(a.serialNumber, new X509Certificate(a.certPem).serialNumber.toUpperCase());
  t.match(a.serialNumber, /^[4-7][0-9A-F]{31}$/, '16 bytes, positive, minimal encoding');
});

t.test('renewal keeps the CA and changes key and serial', async (t) => {
  const first = createCertificateBundle(options);
  const renewed = renewServingCertificate(first, { ...options, now: new Date(now.getTime() + 300 * DAY) });
  t.equal(renewed.caPem, first.caPem);
  t.equal(renewed.caKeyPem, first.caKeyPem);
  t.not(renewed.keyPem, first.keyPem);
  const cert = new X509Certificate(renewed.certPem);
  t.ok(cert.verify(new X509Certificate(first.caPem).publicKey));
  t.not(cert.serialNumber, new X509Certificate(first.certPem).serialNumber);
  t.ok(renewed.notAfter > first.notAfter);
});

t.test('PEMs use LF line ends', async (t) => {
  const bundle = createCertificateBundle(options);
  for (const pem of [bundle.caPem, bundle.caKeyPem, bundle.certPem, bundle.keyPem]) t.notMatch(pem, /\r/);
});

t.test('names: Service names first, then extras, lower-cased and de-duplicated', async (t) => {
  t.same(serviceDnsNames('svc', 'ns', 'corp.internal'), ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.corp.internal']);
  t.same(servingNames({ serviceName: 'svc', namespace: 'ns', dnsNames: ['SVC', '*.apps.example.com'] }), {
    dnsNames: ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local', '*.apps.example.com'],
    ipAddresses: [],
  });
});

t.test('bad input is refused with a CertificateError', async (t) => {
  const cases = [
    { name: 'DNS name with a space', input: { ...options, dnsNames: ['bad name'] } },
    { name: 'DNS label too long', input: { ...options, dnsNames: [`${'a'.repeat(64)}.example.com`] } },
    { name: 'not an IP', input: { ...options, ipAddresses: ['300.1.1.1'] } },
    { name: 'service name with a slash', input: { ...options, serviceName: 'a/b' } },
    { name: 'zero validity', input: { ...options, validityDays: 0 } },
  ];
  for (const c of cases) t.throws(() => createCertificateBundle(c.input), CertificateError, c.name);
});

t.test('a CA key that does not match the CA is refused', async (t) => {
  const a = createCertificateAuthority({ now });
  const b = createCertificateAuthority({ now });
  t.throws(() => createServingCertificate({ certPem: a.certPem, keyPem: b.keyPem }, options), {
    code: 'CERTIFICATE_ERROR',
    message: /does not belong/,
  });
});
