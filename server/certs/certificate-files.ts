/**
 * Certificates from mounted files (cert-manager, a Secret volume). Kubernetes updates such a volume by writing a new
 * timestamped folder and swapping the `..data` symlink, so the parent directory is watched rather than the files;
 * polling backs the watch up (fs.watch misses events on some file systems). A change is taken only once the files
 * parse and the key matches the certificate, so a half-written pair is skipped until it is complete.
 */
import { readFile } from 'node:fs/promises';
import { serializeReload } from '../config/serialized-reload.ts';
import { watchFileChanges } from '../config/watch-file-changes.ts';
import { CertificateError } from './certificate-error.ts';
import { inspectTlsMaterial, isSameTlsMaterial, type TlsMaterial, type TlsMaterialInfo } from './tls-material.ts';

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  /** Optional CA file (e.g. cert-manager's ca.crt). */
  caFile?: string | undefined;
}

export interface WatchCertificateFilesOptions {
  /** What the caller loaded already; changes are relative to it. Without it the first good read is a change. */
  initial?: TlsMaterial | undefined;
  /** Defaults to 10 s. */
  pollIntervalMs?: number | undefined;
  /** Watch the directories with fs.watch (default true); polling runs either way. */
  useFsWatch?: boolean | undefined;
  /** Files that cannot be read or do not fit together yet. Called once per distinct problem, not on every poll. */
  onError?: ((error: CertificateError) => void) | undefined;
}

export interface CertificateFileWatcher {
  /** Reads the files now; resolves true when that produced a change. */
  reload(): Promise<boolean>;
  close(): void;
}

export type CertificateFilesListener = (material: TlsMaterial, info: TlsMaterialInfo) => void;

export const DEFAULT_CERTIFICATE_POLL_INTERVAL_MS = 10_000;

/** Reads and checks the files; throws CertificateError when they are missing, do not parse or do not match. */
export async function loadCertificateFiles(files: CertificateFiles): Promise<TlsMaterial> {
  const material = await readCertificateFiles(files);
  inspectTlsMaterial(material);
  return material;
}

export function watchCertificateFiles(
  files: CertificateFiles,
  onChange: CertificateFilesListener,
  options: WatchCertificateFilesOptions = {},
): CertificateFileWatcher {
  let current = options.initial;
  let lastProblem: string | undefined;

  const reportProblem = (error: CertificateError): void => {
    if (error.message === lastProblem) return;
    lastProblem = error.message;
    options.onError?.(error);
  };

  const readOnce = async (): Promise<boolean> => {
    let material: TlsMaterial;
    let info: TlsMaterialInfo;
    try {
      material = await readCertificateFiles(files);
      if (current && isSameTlsMaterial(material, current)) {
        lastProblem = undefined;
        return false;
      }
      info = inspectTlsMaterial(material);
    } catch (error) {
      reportProblem(
        error instanceof CertificateError ? error : new CertificateError('reading certificates', { cause: error }),
      );
      return false;
    }
    lastProblem = undefined;
    if (reloader.isClosed()) return false;
    current = material;
    onChange(material, info);
    return true;
  };

  const reloader = serializeReload(readOnce);
  const stopWatching = watchFileChanges(
    [files.certFile, files.keyFile, files.caFile].flatMap((file) => (file ? [file] : [])),
    reloader.trigger,
    {
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_CERTIFICATE_POLL_INTERVAL_MS,
      useFsWatch: options.useFsWatch,
    },
  );

  return {
    reload: reloader.reload,
    close() {
      reloader.close();
      stopWatching();
    },
  };
}

async function readCertificateFiles(files: CertificateFiles): Promise<TlsMaterial> {
  try {
    const [cert, key, ca] = await Promise.all([
      readFile(files.certFile, 'utf8'),
      readFile(files.keyFile, 'utf8'),
      files.caFile === undefined ? undefined : readFile(files.caFile, 'utf8'),
    ]);
    return ca === undefined ? { cert, key } : { cert, key, ca };
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unknown error';
    throw new CertificateError(`cannot read the certificate files (${code})`, { cause: error });
  }
}
