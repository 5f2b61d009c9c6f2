/** kube-scheduler against the test apiserver (admin credentials); ready once its own /healthz answers 200. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { httpsGet, startReadyComponent } from './kube-process.ts';
import { type StartedProcess, startProcess } from './process.ts';

export interface SchedulerOptions {
  binary: string;
  dir: string;
  kubeconfigPath: string;
  timeoutMs?: number | undefined;
}

export async function startScheduler(options: SchedulerOptions): Promise<StartedProcess> {
  const certDir = join(options.dir, 'scheduler-certs');
  mkdirSync(certDir, { recursive: true });
  const { process } = await startReadyComponent({
    name: 'kube-scheduler',
    ports: 1,
    timeoutMs: options.timeoutMs ?? 60_000,
    start: ([port]) =>
      startProcess({
        name: 'kube-scheduler',
        command: options.binary,
        args: [
          `--kubeconfig=${options.kubeconfigPath}`,
          `--authentication-kubeconfig=${options.kubeconfigPath}`,
          `--authorization-kubeconfig=${options.kubeconfigPath}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${certDir}`,
          '--profiling=false',
          '--v=1',
        ],
        logFile: join(options.dir, 'kube-scheduler.log'),
      }),
    isReady: async ([port]) => (await httpsGet(`https://127.0.0.1:${port}/healthz`, { insecure: true })).status === 200,
  });
  return process;
}
