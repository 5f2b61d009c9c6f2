import type { KubeCertFiles } from './kube-certs.ts';
import { startKubeComponent } from './kube-component.ts';
import type { StartedProcess } from './process.ts';

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
export function startControllerManager(options: ControllerManagerOptions): Promise<StartedProcess> {
  return startKubeComponent({
    name: 'kube-controller-manager',
    binary: options.binary,
    dir: options.dir,
    certDirName: 'controller-manager-certs',
    kubeconfigPath: options.kubeconfigPath,
    args: [
      `--controllers=${controllers.join(',')}`,
      `--service-account-private-key-file=${options.certFiles.serviceAccountKey}`,
      `--root-ca-file=${options.certFiles.caCert}`,
      '--use-service-account-credentials=true',
    ],
    timeoutMs: options.timeoutMs,
  });
}
