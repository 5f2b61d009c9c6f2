/**
 * Admission's CredentialSource, two ways: from the pull-secret informers (a Pod's imagePullSecrets and, for
 * templates, its ServiceAccount's), or, without a cluster, none at all. Either way pullguard's own static
 * credentials (config `credentials.dockerConfigFile`) are tried after the Pod's, as the kubelet tries node
 * credentials after the Pod's.
 */
import type { CredentialSource } from '../admission/ports.ts';
import type { Credential, Keyring } from '../auth/keyring.ts';
import type { PullSecretSource } from '../auth/pull-secrets.ts';
import { credentialsFor } from '../wiring/resolution-stack.ts';

/** No cluster: a Pod's named pull secrets cannot be read, so they count as giving no credentials. */
export function staticCredentialSource(staticKeyring: Keyring): CredentialSource<Credential> {
  const keyring = { lookup: (imageName: string) => credentialsFor(imageName, null, staticKeyring) };
  return { forPod: () => ({ ok: true, keyring }) };
}

export function clusterCredentialSource(
  pullSecrets: PullSecretSource,
  staticKeyring: Keyring,
): CredentialSource<Credential> {
  return {
    forPod(request) {
      const result = pullSecrets.forPod(request);
      if (!result.ok) return { ok: false, error: { message: result.error.message } };
      const podKeyring = result.keyring;
      return { ok: true, keyring: { lookup: (imageName) => credentialsFor(imageName, podKeyring, staticKeyring) } };
    },
  };
}
