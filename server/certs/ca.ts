/** A self-signed certificate authority for the webhook's serving certificate. */
import forge from 'node-forge';
import { CertificateError } from './certificate-error.ts';
import { issueCertificate } from './forge-support.ts';

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CreateCertificateAuthorityOptions {
  /**
   * Defaults to `pullguard-ca-<unix seconds>`: a distinct subject per CA keeps old and new CAs apart in trust stores.
   * forge encodes it as a PrintableString, which has no `@`: Go's x509 (the kube-apiserver) refuses such a CA.
   */
  commonName?: string | undefined;
  /** Defaults to DEFAULT_CA_VALIDITY_DAYS (10 years). */
  validityDays?: number | undefined;
  now?: Date | undefined;
}

export const DEFAULT_CA_VALIDITY_DAYS = 3650;

export function createCertificateAuthority(options: CreateCertificateAuthorityOptions = {}): CertificateAuthority {
  const now = options.now ?? new Date();
  const validityDays = options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS;
  assertPositiveDays(validityDays, 'validityDays');
  const commonName = options.commonName ?? `pullguard-ca-${Math.floor(now.getTime() / 1000)}`;
  const { cert, certPem, keyPem } = issueCertificate({
    now,
    validityDays,
    subject: [{ name: 'commonName', value: commonName }],
    extensions: [
      { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
      { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true, digitalSignature: true },
      { name: 'subjectKeyIdentifier' },
    ],
  });
  return { certPem, keyPem, notBefore: cert.validity.notBefore, notAfter: cert.validity.notAfter };
}

/** The CA in the form forge signs with. Throws CertificateError for anything but an RSA CA with a matching key. */
export function loadSigningAuthority(ca: Pick<CertificateAuthority, 'certPem' | 'keyPem'>): {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
} {
  let cert: forge.pki.Certificate;
  let key: forge.pki.rsa.PrivateKey;
  try {
    cert = forge.pki.certificateFromPem(ca.certPem);
    key = forge.pki.privateKeyFromPem(ca.keyPem);
  } catch (error) {
    throw new CertificateError('the CA certificate or key does not parse (an RSA CA is required)', { cause: error });
  }
  const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
  if (publicKey.n.compareTo(key.n) !== 0 || publicKey.e.compareTo(key.e) !== 0) {
    throw new CertificateError('the CA key does not belong to the CA certificate');
  }
  return { cert, key };
}

export function assertPositiveDays(days: number, name: string): void {
  if (!Number.isFinite(days) || days <= 0) {
    throw new CertificateError(`${name} must be a positive number of days, got ${String(days)}`);
  }
}
