/**
 * Checks a stored bundle (from a Secret or files) with node:crypto: does the CA parse and match its key, was the
 * serving certificate issued by it, does it carry the names we need. Says which part has to be made again.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { CertificateBundle } from './certificate-bundle.ts';
import type { Validity } from './expiry.ts';
import type { ServingNames } from './serving-cert.ts';

export interface BundlePems {
  caPem?: string | undefined;
  caKeyPem?: string | undefined;
  certPem?: string | undefined;
  keyPem?: string | undefined;
}

export type BundleInspection =
  /** Everything checks out; expiry is the caller's decision (see expiry.ts). */
  | { status: 'usable'; bundle: CertificateBundle; ca: Validity }
  /** The CA (whose validity is given) is fine; the serving certificate must be issued again from it. */
  | { status: 'serving-unusable'; reason: string; ca: Validity }
  /** The CA itself is missing or broken: everything must be made again. */
  | { status: 'ca-unusable'; reason: string };

export function inspectCertificateBundle(pems: BundlePems, names: ServingNames): BundleInspection {
  const { caPem, caKeyPem, certPem, keyPem } = pems;
  if (!caPem || !caKeyPem) return { status: 'ca-unusable', reason: 'the CA certificate or key is missing' };
  const caCert = parseCertificate(caPem);
  const caKey = parsePrivateKey(caKeyPem);
  if (!caCert || !caKey) return { status: 'ca-unusable', reason: 'the CA certificate or key does not parse' };
  if (!caCert.ca) return { status: 'ca-unusable', reason: 'the CA certificate is not a CA' };
  if (caKey.asymmetricKeyType !== 'rsa') return { status: 'ca-unusable', reason: 'the CA key is not an RSA key' };
  if (!caCert.checkPrivateKey(caKey)) return { status: 'ca-unusable', reason: 'the CA key does not match the CA' };
  const ca = { notBefore: caCert.validFromDate, notAfter: caCert.validToDate };

  if (!certPem || !keyPem)
    return { status: 'serving-unusable', reason: 'the serving certificate or key is missing', ca };
  const cert = parseCertificate(certPem);
  const key = parsePrivateKey(keyPem);
  if (!cert || !key) return { status: 'serving-unusable', reason: 'the serving certificate or key does not parse', ca };
  if (!cert.checkPrivateKey(key)) return { status: 'serving-unusable', reason: 'the serving key does not match', ca };
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) {
    return { status: 'serving-unusable', reason: 'the serving certificate was not issued by the CA', ca };
  }
  const missing = findMissingNames(cert, names);
  if (missing.length > 0) {
    return { status: 'serving-unusable', reason: `the serving certificate lacks ${missing.join(', ')}`, ca };
  }
  return {
    status: 'usable',
    bundle: { caPem, caKeyPem, certPem, keyPem, notBefore: cert.validFromDate, notAfter: cert.validToDate },
    ca,
  };
}

/** The wanted names the certificate's SANs do not list (exact match, no wildcard expansion). */
export function findMissingNames(cert: X509Certificate, names: ServingNames): string[] {
  // Node prints SANs as "DNS:a, DNS:b, IP Address:…"; our names are validated and contain no ", " or quotes.
  const present = new Set(
    (cert.subjectAltName ?? '')
      .split(', ')
      .filter((entry) => entry.startsWith('DNS:'))
      .map((entry) => entry.slice('DNS:'.length).toLowerCase()),
  );
  return [
    ...names.dnsNames.filter((name) => !present.has(name.toLowerCase())),
    ...names.ipAddresses.filter((ip) => cert.checkIP(ip) === undefined),
  ];
}

function parseCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function parsePrivateKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}
