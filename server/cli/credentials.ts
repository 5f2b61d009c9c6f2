import type { PullSecretError, SecretLike } from '../auth/docker-config.ts';
import { buildPodKeyring, type Keyring } from '../auth/keyring.ts';
import { UsageError } from '../errors.ts';
import { readObjects } from './read-documents.ts';

/** Secrets from `--pull-secret FILE` (as `kubectl get secret -o yaml|json` prints them), in the order given. */
export async function readPullSecrets(files: readonly string[], stdin: NodeJS.ReadableStream): Promise<SecretLike[]> {
  const secrets: SecretLike[] = [];
  for (const file of files) {
    for (const object of await readObjects(file, stdin)) {
      if (object.kind !== undefined && object.kind !== 'Secret') {
        throw new UsageError(`${file}: expected a Secret, found kind ${JSON.stringify(object.kind)}`);
      }
      secrets.push(object as SecretLike);
    }
  }
  return secrets;
}

/** The kubelet's keyring for those secrets, or the error with which the kubelet would fail every pull. */
export function podKeyringFrom(secrets: readonly SecretLike[]): {
  keyring: Keyring | null;
  error: PullSecretError | null;
} {
  if (secrets.length === 0) return { keyring: null, error: null };
  const result = buildPodKeyring(secrets);
  return result.ok ? { keyring: result.keyring, error: null } : { keyring: null, error: result.error };
}
