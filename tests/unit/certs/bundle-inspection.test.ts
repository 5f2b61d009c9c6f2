import t from 'tap';
import { inspectCertificateBundle } from '../../../server/certs/bundle-inspection.ts';
import { createCertificateBundle } from '../../../server/certs/certificate-bundle.ts';
import { servingNames } from '../../../server/certs/serving-cert.ts';

const serving = { serviceName: 'pullguard', namespace: 'ns', ipAddresses: ['127.0.0.1'] };
const names = servingNames(serving);
const good = createCertificateBundle(serving);
const other = createCertificateBundle(serving);
const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n';

t.test('a complete bundle is usable and reports the serving validity', async (t) => {
  const inspection = inspectCertificateBundle(good, names);
  t.equal(inspection.status, 'usable');
  if (inspection.status !== 'usable') return;
  t.same(inspection.bundle.notAfter, good.notAfter);
  t.ok(inspection.ca.notAfter > good.notAfter, 'the CA outlives the serving certificate');
});

t.test('what must be made again', async (t) => {
  const cases = [
    { name: 'nothing stored', pems: {}, status: 'ca-unusable', reason: /missing/ },
    { name: 'CA key missing', pems: { ...good, caKeyPem: undefined }, status: 'ca-unusable', reason: /missing/ },
    { name: 'CA garbage', pems: { ...good, caPem: garbage }, status: 'ca-unusable', reason: /parse/ },
    {
      name: 'CA key of another CA',
      pems: { ...good, caKeyPem: other.caKeyPem },
      status: 'ca-unusable',
      reason: /match/,
    },
    {
      name: 'serving cert as CA',
      pems: { ...good, caPem: good.certPem, caKeyPem: good.keyPem },
      status: 'ca-unusable',
      reason: /not a CA/,
    },
    {
      name: 'serving pair missing',
      pems: { caPem: good.caPem, caKeyPem: good.caKeyPem },
      status: 'serving-unusable',
      reason: /missing/,
    },
    { name: 'serving garbage', pems: { ...good, certPem: garbage }, status: 'serving-unusable', reason: /parse/ },
    {
      name: 'serving key of another cert',
      pems: { ...good, keyPem: other.keyPem },
      status: 'serving-unusable',
      reason: /match/,
    },
    {
      name: 'serving pair from another CA',
      pems: { ...good, certPem: other.certPem, keyPem: other.keyPem },
      status: 'serving-unusable',
      reason: /not issued by the CA/,
    },
  ] as const;
  for (const c of cases) {
    const inspection = inspectCertificateBundle(c.pems, names);
    t.equal(inspection.status, c.status, c.name);
    if (inspection.status !== 'usable') t.match(inspection.reason, c.reason, `${c.name}: reason`);
  }
});

t.test('a certificate that lacks a wanted name must be re-issued, and the reason names it', async (t) => {
  const wanted = servingNames({ ...serving, dnsNames: ['extra.example.com'], ipAddresses: ['127.0.0.1', '10.0.0.7'] });
  const inspection = inspectCertificateBundle(good, wanted);
  t.equal(inspection.status, 'serving-unusable');
  if (inspection.status === 'serving-unusable') t.match(inspection.reason, 'extra.example.com, 10.0.0.7');
  const fewer = servingNames({ serviceName: 'pullguard', namespace: 'ns' });
  t.equal(inspectCertificateBundle(good, fewer).status, 'usable', 'extra names in the certificate do no harm');
});
