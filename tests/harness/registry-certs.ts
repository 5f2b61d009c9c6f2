import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A per-run certificate authority for the test registry (TLS) and the token issuer (token signing). */
export interface TestCa {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** DER, base64 (standard alphabet): what a JWT `x5c` entry holds. */
  readonly certDerBase64: string;
}

export interface IssueOptions {
  commonName: string;
  /** DNS names and IP addresses for the subjectAltName (server certificates). */
  dnsNames?: string[];
  ipAddresses?: string[];
}

// Keys come from node:crypto (native, fast); node-forge only builds and signs the certificates.
function generateRsaKey(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

// A positive serial: Go's x509 parser rejects negative ones in newer releases.
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function baseCertificate(publicPem: string, commonName: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = randomSerial();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 24 * 60 * 60 * 1000);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  return cert;
}

function derBase64(cert: forge.pki.Certificate): string {
  return forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
}

export function createTestCa(commonName = 'pullguard test CA'): TestCa {
  const key = generateRsaKey();
  const cert = baseCertificate(key.publicPem, commonName);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(key.privatePem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.privatePem };
}

/** A leaf certificate signed by `ca`: a server certificate when names are given, else a signing certificate. */
export function issueCertificate(ca: TestCa, options: IssueOptions): IssuedCertificate {
  const key = generateRsaKey();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = baseCertificate(key.publicPem, options.commonName);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  const isServer = altNames.length > 0;
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: isServer, critical: true },
    ...(isServer
      ? [
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames },
        ]
      : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.privatePem, certDerBase64: derBase64(cert) };
}
