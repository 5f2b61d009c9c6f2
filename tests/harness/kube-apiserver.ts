import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeCerts } from './kube-certs.ts';
import { httpsGet, startReadyComponent } from './kube-process.ts';
import { type StartedProcess, startProcess } from './process.ts';

export interface StartedApiserver {
  /** https://127.0.0.1:PORT */
  readonly server: string;
  readonly auditLogPath: string;
  readonly process: StartedProcess;
}

export const admissionPlugins = [
  'NamespaceLifecycle',
  'ServiceAccount',
  'NodeRestriction',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
];

// Metadata for every request (who, what, verb, response code and admission annotations), no bodies; the
// RequestReceived stage would only duplicate each entry.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
`;

export interface ApiserverOptions {
  binary: string;
  dir: string;
  etcdUrl: string;
  certs: KubeCerts;
  /** Appended to the flags above (a later flag wins). */
  extraArgs?: string[];
  timeoutMs?: number;
}

/** kube-apiserver on a free loopback port, ready once /readyz answers 200 to the admin's client certificate. */
export async function startApiserver(options: ApiserverOptions): Promise<StartedApiserver> {
  const { files } = options.certs;
  const auditPolicyPath = join(options.dir, 'audit-policy.yaml');
  const auditLogPath = join(options.dir, 'audit.log');
  const certDir = join(options.dir, 'apiserver-certs');
  writeFileSync(auditPolicyPath, auditPolicy);
  mkdirSync(certDir, { recursive: true });
  const { process, ports } = await startReadyComponent({
    name: 'kube-apiserver',
    ports: 1,
    timeoutMs: options.timeoutMs ?? 90_000,
    start: ([port]) =>
      startProcess({
        name: 'kube-apiserver',
        command: options.binary,
        args: [
          `--etcd-servers=${options.etcdUrl}`,
          `--etcd-prefix=/registry`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${certDir}`,
          `--tls-cert-file=${files.servingCert}`,
          `--tls-private-key-file=${files.servingKey}`,
          `--client-ca-file=${files.caCert}`,
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${files.serviceAccountPublicKey}`,
          `--service-account-signing-key-file=${files.serviceAccountKey}`,
          '--service-cluster-ip-range=10.96.0.0/16',
          '--authorization-mode=Node,RBAC',
          `--enable-admission-plugins=${admissionPlugins.join(',')}`,
          `--audit-policy-file=${auditPolicyPath}`,
          `--audit-log-path=${auditLogPath}`,
          '--allow-privileged=true',
          '--profiling=false',
          '--v=1',
          ...(options.extraArgs ?? []),
        ],
        logFile: join(options.dir, 'kube-apiserver.log'),
      }),
    isReady: async ([port]) => {
      const tls = { ca: options.certs.caPem, cert: options.certs.adminCertPem, key: options.certs.adminKeyPem };
      return (await httpsGet(`https://127.0.0.1:${port}/readyz`, tls)).status === 200;
    },
  });
  return { server: `https://127.0.0.1:${ports[0]}`, auditLogPath, process };
}
