import { generateKeyPair, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

const servingDnsNames = [
  'localhost',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

interface KeyPair {
  privatePem: string;
  publicPem: string;
}

export interface KubeCertFiles {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

export interface KubeCerts {
  caPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  files: KubeCertFiles;
}

/**
 * A throw-away PKI for one test cluster: a CA that signs the apiserver's serving certificate and the admin's
 * client certificate (group system:masters), plus the service-account signing key pair. Written into `dir`.
 */
export async function createKubeCerts(dir: string): Promise<KubeCerts> {
  // node:crypto generates the keys (fast, off the main thread); forge only assembles and signs certificates.
  const [ca, serving, admin, serviceAccount] = await Promise.all([
    rsaKeyPair(),
    rsaKeyPair(),
    rsaKeyPair(),
    rsaKeyPair(),
  ]);
  const caKey = forge.pki.privateKeyFromPem(ca.privatePem);
  const caSubject = [{ name: 'commonName', value: 'pullguard-test-ca' }];
  const caCert = signCertificate({
    publicPem: ca.publicPem,
    subject: caSubject,
    issuer: caSubject,
    signer: caKey,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const servingCert = signCertificate({
    publicPem: serving.publicPem,
    subject: [{ name: 'commonName', value: 'kube-apiserver' }],
    issuer: caSubject,
    signer: caKey,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '10.96.0.1' },
          ...servingDnsNames.map((value) => ({ type: 2, value })),
        ],
      },
    ],
  });
  const adminCert = signCertificate({
    publicPem: admin.publicPem,
    subject: [
      { name: 'commonName', value: 'pullguard-test-admin' },
      { name: 'organizationName', value: 'system:masters' },
    ],
    issuer: caSubject,
    signer: caKey,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  const contents: Record<keyof KubeCertFiles, string> = {
    caCert,
    caKey: ca.privatePem,
    servingCert,
    servingKey: serving.privatePem,
    adminCert,
    adminKey: admin.privatePem,
    serviceAccountKey: serviceAccount.privatePem,
    serviceAccountPublicKey: serviceAccount.publicPem,
  };
  const files = {} as KubeCertFiles;
  for (const [name, text] of Object.entries(contents) as [keyof KubeCertFiles, string][]) {
    files[name] = join(dir, `${name}.pem`);
    writeFileSync(files[name], text, { mode: 0o600 });
  }
  return { caPem: caCert, adminCertPem: adminCert, adminKeyPem: admin.privatePem, files };
}

function rsaKeyPair(): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (error, publicPem, privatePem) => (error ? reject(error) : resolve({ privatePem, publicPem })),
    );
  });
}

interface CertificateSpec {
  publicPem: string;
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  signer: forge.pki.rsa.PrivateKey;
  extensions: object[];
}

function signCertificate(spec: CertificateSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicPem);
  // A positive serial: clear the top bit of the first byte.
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive, and no leading zero byte (OpenSSL refuses the padding)
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60_000);
  cert.validity.notAfter = new Date(now + 7 * 24 * 60 * 60_000);
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.issuer);
  cert.setExtensions(spec.extensions);
  cert.sign(spec.signer, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
