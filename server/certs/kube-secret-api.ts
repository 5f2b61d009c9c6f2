/** SecretApi over @kubernetes/client-node 2.x CoreV1Api. */
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { kubeStatusOf, toKubeError } from '../kube/kube-error.ts';
import type { SecretApi, SecretData, SecretWriteResult, StoredSecret } from './secret-api.ts';

export interface KubeSecretApiOptions {
  /** Labels put on a Secret we create (e.g. `app.kubernetes.io/managed-by`). */
  labels?: Readonly<Record<string, string>> | undefined;
}

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export function createKubeSecretApi(core: CoreV1Api, options: KubeSecretApiOptions = {}): SecretApi {
  const body = (namespace: string, name: string, data: SecretData, resourceVersion?: string): V1Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      ...(options.labels ? { labels: { ...options.labels } } : {}),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    type: TLS_SECRET_TYPE,
    data: encodeData(data),
  });

  return {
    async read(namespace, name) {
      try {
        return toStoredSecret(await core.readNamespacedSecret({ namespace, name }));
      } catch (error) {
        if (kubeStatusOf(error) === 404) return undefined;
        throw toKubeError(error, `reading Secret ${namespace}/${name}`);
      }
    },

    async create(namespace, name, data): Promise<SecretWriteResult> {
      try {
        const created = await core.createNamespacedSecret({ namespace, body: body(namespace, name, data) });
        return { outcome: 'written', secret: toStoredSecret(created) };
      } catch (error) {
        if (kubeStatusOf(error) === 409) return { outcome: 'conflict' };
        throw toKubeError(error, `creating Secret ${namespace}/${name}`);
      }
    },

    async replace(namespace, name, data, resourceVersion): Promise<SecretWriteResult> {
      try {
        const replaced = await core.replaceNamespacedSecret({
          namespace,
          name,
          body: body(namespace, name, data, resourceVersion),
        });
        return { outcome: 'written', secret: toStoredSecret(replaced) };
      } catch (error) {
        // 409: someone wrote first; 404: it was deleted meanwhile. Either way the caller reads again.
        const status = kubeStatusOf(error);
        if (status === 409 || status === 404) return { outcome: 'conflict' };
        throw toKubeError(error, `replacing Secret ${namespace}/${name}`);
      }
    },
  };
}

function toStoredSecret(secret: V1Secret): StoredSecret {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {}))
    data[key] = Buffer.from(value, 'base64').toString('utf8');
  return { data, resourceVersion: secret.metadata?.resourceVersion ?? '' };
}

function encodeData(data: SecretData): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) encoded[key] = Buffer.from(value, 'utf8').toString('base64');
  return encoded;
}
