/** The PEMs a TLS server needs, and the check that they are usable before anything switches to them. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { CertificateError } from './certificate-error.ts';

export interface TlsMaterial {
  /** Private key PEM. */
  key: string;
  /** Certificate PEM; may be followed by intermediates (cert-manager writes the chain into tls.crt). */
  cert: string;
  /** CA certificate PEM, when known (the caBundle source). */
  ca?: string | undefined;
}

export interface TlsMaterialInfo {
  /** Upper-case hex. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
}

/** Throws CertificateError unless the certificate and key parse and belong together (and the CA parses, if given). */
export function inspectTlsMaterial(material: TlsMaterial): TlsMaterialInfo {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material.cert);
  } catch (error) {
    throw new CertificateError('the certificate does not parse', { cause: error });
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(material.key));
  } catch (error) {
    // No cause: the key parser's message could echo key text.
    throw new CertificateError(`the private key does not parse (${errorName(error)})`);
  }
  if (!matches) throw new CertificateError('the private key does not belong to the certificate');
  if (material.ca !== undefined) {
    try {
      new X509Certificate(material.ca);
    } catch (error) {
      throw new CertificateError('the CA certificate does not parse', { cause: error });
    }
  }
  return {
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
    fingerprint256: cert.fingerprint256,
  };
}

export function isSameTlsMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return a.key === b.key && a.cert === b.cert && a.ca === b.ca;
}

function errorName(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : 'invalid key';
}
