/** kube-scheduler against the test apiserver (admin credentials); ready once its own /healthz answers 200. */
import { startKubeComponent } from './kube-component.ts';
import type { StartedProcess } from './process.ts';

export interface SchedulerOptions {
  binary: string;
  dir: string;
  kubeconfigPath: string;
  timeoutMs?: number | undefined;
}

export function startScheduler(options: SchedulerOptions): Promise<StartedProcess> {
  return startKubeComponent({ ...options, name: 'kube-scheduler', certDirName: 'scheduler-certs' });
}
