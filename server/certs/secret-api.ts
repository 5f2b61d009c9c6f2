/**
 * The narrow view of the Kubernetes Secrets API the certificate store needs. kube-secret-api.ts binds it to
 * @kubernetes/client-node; tests use an in-memory fake. Data values are plain UTF-8 strings (the adapter does the
 * base64), and "already exists" / "stale resourceVersion" are answers, not exceptions.
 */
export type SecretData = Readonly<Record<string, string>>;

export interface StoredSecret {
  data: SecretData;
  resourceVersion: string;
}

export type SecretWriteResult = { outcome: 'written'; secret: StoredSecret } | { outcome: 'conflict' };

export interface SecretApi {
  /** undefined when the Secret does not exist. */
  read(namespace: string, name: string): Promise<StoredSecret | undefined>;
  /** Creates a `kubernetes.io/tls` Secret; `conflict` when it already exists (another replica was first). */
  create(namespace: string, name: string, data: SecretData): Promise<SecretWriteResult>;
  /** Replaces the data only if the Secret is still at `resourceVersion`; `conflict` otherwise. */
  replace(namespace: string, name: string, data: SecretData, resourceVersion: string): Promise<SecretWriteResult>;
}

/** Secret keys: the `kubernetes.io/tls` pair, plus the CA certificate (`ca.crt`, as cert-manager names it) and key. */
export const SECRET_KEYS = {
  cert: 'tls.crt',
  key: 'tls.key',
  caCert: 'ca.crt',
  caKey: 'ca.key',
} as const;
