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
