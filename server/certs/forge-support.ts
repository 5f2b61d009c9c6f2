/**
 * The few node-forge helpers the certificate builders share. Keys come from node:crypto (native, ~100 ms for RSA
 * 2048) rather than forge's pure-JS generator (seconds); forge only assembles and signs the certificate.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface RsaKeyPair {
  /** PKCS#8 PEM ("PRIVATE KEY"), the form written to Secrets and files. */
  privateKeyPem: string;
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

export const RSA_KEY_BITS = 2048;

/** Backdating of notBefore, so a peer whose clock runs a little behind still accepts a fresh certificate. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export const DAY_MS = 24 * 60 * 60 * 1000;

export function generateRsaKeyPair(): RsaKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: RSA_KEY_BITS,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    privateKeyPem: privateKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

/**
 * A random positive 128-bit serial (RFC 5280 asks for at most 20 octets, positive). The first byte is kept in
 * 0x40..0x7f: the high bit clear keeps the DER INTEGER positive, a non-zero byte keeps its encoding minimal.
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

/** X.509 times have one-second resolution; dropping the milliseconds keeps what we report equal to what is signed. */
export function truncateToSeconds(time: Date | number): Date {
  const ms = typeof time === 'number' ? time : time.getTime();
  return new Date(Math.floor(ms / 1000) * 1000);
}

export function signSha256(certificate: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): void {
  certificate.sign(key, forge.md.sha256.create());
}

/** forge writes CRLF line ends; everything else (Node, kubectl, cert-manager) writes LF. */
export function certificateToPem(certificate: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(certificate).replace(/\r\n/g, '\n');
}

export interface IssueCertificateOptions {
  now: Date;
  validityDays: number;
  /** The certificate never outlives this (its issuer's notAfter). */
  notAfterLimit?: Date | undefined;
  subject: forge.pki.CertificateField[];
  /** Who signs; left out, the certificate is self-signed with its own new key. */
  issuer?: { attributes: forge.pki.CertificateField[]; key: forge.pki.rsa.PrivateKey } | undefined;
  extensions: object[];
}

export interface IssuedCertificate {
  cert: forge.pki.Certificate;
  certPem: string;
  /** The new key, PKCS#8 PEM. */
  keyPem: string;
}

/** A certificate with a new key and a random serial, valid from a little before `now` (CLOCK_SKEW_MS), signed SHA-256. */
export function issueCertificate(options: IssueCertificateOptions): IssuedCertificate {
  const keys = generateRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerialNumber();
  const now = options.now.getTime();
  const notAfter = now + options.validityDays * DAY_MS;
  cert.validity.notBefore = truncateToSeconds(now - CLOCK_SKEW_MS);
  cert.validity.notAfter = truncateToSeconds(
    options.notAfterLimit ? Math.min(notAfter, options.notAfterLimit.getTime()) : notAfter,
  );
  cert.setSubject(options.subject);
  cert.setIssuer(options.issuer?.attributes ?? options.subject);
  cert.setExtensions(options.extensions);
  signSha256(cert, options.issuer?.key ?? keys.privateKey);
  return { cert, certPem: certificateToPem(cert), keyPem: keys.privateKeyPem };
}
