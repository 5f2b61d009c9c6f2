/**
 * Writes a CA and serving certificate to a directory (`pullguard certs --out DIR`): ca.crt, ca.key, tls.crt, tls.key.
 * A usable CA already in the directory is kept, so re-running renews the serving certificate without changing
 * what clients trust. Keys are 0600. Each file is written to a temporary name and renamed into place, so a
 * watcher never reads half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectCertificateBundle } from './bundle-inspection.ts';
import {
  type CertificateBundle,
  type CreateCertificateBundleOptions,
  createCertificateBundle,
  renewServingCertificate,
} from './certificate-bundle.ts';
import { decideRenewal } from './expiry.ts';
import { servingNames } from './serving-cert.ts';

export interface WriteCertificateFilesOptions extends CreateCertificateBundleOptions {
  /** Make a new CA even when the directory holds a usable one. */
  newCa?: boolean | undefined;
}

export interface WrittenCertificateFiles {
  bundle: CertificateBundle;
  /** True when the CA already in the directory was kept. */
  reusedCa: boolean;
  paths: { caCert: string; caKey: string; cert: string; key: string };
}

export const CERTIFICATE_FILE_NAMES = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;

export async function writeCertificateFiles(
  dir: string,
  options: WriteCertificateFilesOptions,
): Promise<WrittenCertificateFiles> {
  const paths = {
    caCert: join(dir, CERTIFICATE_FILE_NAMES.caCert),
    caKey: join(dir, CERTIFICATE_FILE_NAMES.caKey),
    cert: join(dir, CERTIFICATE_FILE_NAMES.cert),
    key: join(dir, CERTIFICATE_FILE_NAMES.key),
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existingCa = options.newCa ? undefined : await readUsableCa(paths, options);
  const bundle = existingCa ? renewServingCertificate(existingCa, options) : createCertificateBundle(options);

  await writeAtomically(paths.caCert, bundle.caPem, 0o644);
  await writeAtomically(paths.caKey, bundle.caKeyPem, 0o600);
  // Key before certificate: a reader that sees the new certificate with the old key ignores the pair until both land.
  await writeAtomically(paths.key, bundle.keyPem, 0o600);
  await writeAtomically(paths.cert, bundle.certPem, 0o644);
  return { bundle, reusedCa: existingCa !== undefined, paths };
}

async function readUsableCa(
  paths: { caCert: string; caKey: string },
  options: WriteCertificateFilesOptions,
): Promise<Pick<CertificateBundle, 'caPem' | 'caKeyPem'> | undefined> {
  const [caPem, caKeyPem] = await Promise.all([readIfPresent(paths.caCert), readIfPresent(paths.caKey)]);
  if (caPem === undefined || caKeyPem === undefined) return undefined;
  const inspection = inspectCertificateBundle({ caPem, caKeyPem }, servingNames(options));
  if (inspection.status === 'ca-unusable') return undefined;
  if (decideRenewal(inspection.ca, options.now ?? new Date()).renew) return undefined;
  return { caPem, caKeyPem };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content, { mode, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
