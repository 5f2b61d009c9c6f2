/**
 * A control-plane component that talks to the test apiserver through a kubeconfig and serves its own /healthz
 * (kube-controller-manager, kube-scheduler): loopback-only, a self-signed serving certificate in its own cert-dir,
 * no leader election, no profiling. Ready once /healthz answers 200.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { httpsGet, startReadyComponent } from './kube-process.ts';
import { type StartedProcess, startProcess } from './process.ts';

export interface KubeComponentOptions {
  /** `kube-scheduler`: the process name and the log file's (`<name>.log`). */
  name: string;
  binary: string;
  dir: string;
  /** Its cert-dir, under `dir`. */
  certDirName: string;
  kubeconfigPath: string;
  /** The component's own flags, placed after the kubeconfig flags. */
  args?: readonly string[] | undefined;
  timeoutMs?: number | undefined;
}

export async function startKubeComponent(options: KubeComponentOptions): Promise<StartedProcess> {
  const certDir = join(options.dir, options.certDirName);
  mkdirSync(certDir, { recursive: true });
  const { process } = await startReadyComponent({
    name: options.name,
    ports: 1,
    timeoutMs: options.timeoutMs ?? 60_000,
    start: ([port]) =>
      startProcess({
        name: options.name,
        command: options.binary,
        args: [
          `--kubeconfig=${options.kubeconfigPath}`,
          `--authentication-kubeconfig=${options.kubeconfigPath}`,
          `--authorization-kubeconfig=${options.kubeconfigPath}`,
          ...(options.args ?? []),
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${certDir}`,
          '--profiling=false',
          '--v=1',
        ],
        logFile: join(options.dir, `${options.name}.log`),
      }),
    // Its serving certificate is self-signed (in cert-dir), and /healthz is open to anyone.
    isReady: async ([port]) => (await httpsGet(`https://127.0.0.1:${port}/healthz`, { insecure: true })).status === 200,
  });
  return process;
}
