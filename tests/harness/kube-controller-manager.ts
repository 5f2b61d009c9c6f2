import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeCertFiles } from './kube-certs.ts';
import { httpsGet, startReadyComponent } from './kube-process.ts';
import { type StartedProcess, startProcess } from './process.ts';

/**
 * The workload controllers tests rely on. Not `*`: with no kubelet behind the test's Node objects, the node
 * lifecycle, taint eviction and pod GC controllers would taint those Nodes and delete their Pods mid-run.
 */
export const controllers = [
  'job-controller',
  'cronjob-controller',
  'replicaset-controller',
  'deployment-controller',
  'statefulset-controller',
  'daemonset-controller',
  'replicationcontroller-controller',
  'serviceaccount-token-controller',
  'serviceaccount-controller',
  'root-ca-certificate-publisher-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'resourcequota-controller',
  'ttl-after-finished-controller',
  'disruption-controller',
  'endpointslice-controller',
];

export interface ControllerManagerOptions {
  binary: string;
  dir: string;
  kubeconfigPath: string;
  certFiles: KubeCertFiles;
  timeoutMs?: number;
}

/** kube-controller-manager against the test apiserver; ready once its own /healthz answers 200. */
export async function startControllerManager(options: ControllerManagerOptions): Promise<StartedProcess> {
  const certDir = join(options.dir, 'controller-manager-certs');
  mkdirSync(certDir, { recursive: true });
  const { process } = await startReadyComponent({
    name: 'kube-controller-manager',
    ports: 1,
    timeoutMs: options.timeoutMs ?? 60_000,
    start: ([port]) =>
      startProcess({
        name: 'kube-controller-manager',
        command: options.binary,
        args: [
          `--kubeconfig=${options.kubeconfigPath}`,
          `--authentication-kubeconfig=${options.kubeconfigPath}`,
          `--authorization-kubeconfig=${options.kubeconfigPath}`,
          `--controllers=${controllers.join(',')}`,
          `--service-account-private-key-file=${options.certFiles.serviceAccountKey}`,
          `--root-ca-file=${options.certFiles.caCert}`,
          '--use-service-account-credentials=true',
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${certDir}`,
          '--profiling=false',
          '--v=1',
        ],
        logFile: join(options.dir, 'kube-controller-manager.log'),
      }),
    // Its serving certificate is self-signed (in cert-dir), and /healthz is open to anyone.
    isReady: async ([port]) => (await httpsGet(`https://127.0.0.1:${port}/healthz`, { insecure: true })).status === 200,
  });
  return process;
}
