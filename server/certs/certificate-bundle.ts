/** A CA and the serving certificate it signed, kept together so the serving certificate can be renewed. */
import { createCertificateAuthority } from './ca.ts';
import { createServingCertificate, type ServingCertificateOptions } from './serving-cert.ts';

export interface CertificateBundle {
  /** The CA certificate: what clients trust and what goes into a webhook's caBundle. */
  caPem: string;
  /** The CA key, kept only to renew the serving certificate. */
  caKeyPem: string;
  certPem: string;
  keyPem: string;
  /** Validity of the serving certificate. */
  notBefore: Date;
  notAfter: Date;
}

export interface CreateCertificateBundleOptions extends ServingCertificateOptions {
  caCommonName?: string | undefined;
  caValidityDays?: number | undefined;
}

/** A new CA and a serving certificate signed by it. */
export function createCertificateBundle(options: CreateCertificateBundleOptions): CertificateBundle {
  const ca = createCertificateAuthority({
    commonName: options.caCommonName,
    validityDays: options.caValidityDays,
    now: options.now,
  });
  return renewServingCertificate({ caPem: ca.certPem, caKeyPem: ca.keyPem }, options);
}

/** A fresh serving certificate (new key, new serial) from the bundle's existing CA. */
export function renewServingCertificate(
  ca: Pick<CertificateBundle, 'caPem' | 'caKeyPem'>,
  options: ServingCertificateOptions,
): CertificateBundle {
  const serving = createServingCertificate({ certPem: ca.caPem, keyPem: ca.caKeyPem }, options);
  return {
    caPem: ca.caPem,
    caKeyPem: ca.caKeyPem,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
    notBefore: serving.notBefore,
    notAfter: serving.notAfter,
  };
}
