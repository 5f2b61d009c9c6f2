import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startReadyComponent } from './kube-process.ts';
import { type StartedProcess, startProcess } from './process.ts';

export interface StartedEtcd {
  /** Client URL, http://127.0.0.1:PORT. */
  readonly url: string;
  readonly process: StartedProcess;
}

/** A single-member etcd on loopback (client and peer ports free), data under `dir`. */
export async function startEtcd(options: { binary: string; dir: string; timeoutMs?: number }): Promise<StartedEtcd> {
  const { process, ports } = await startReadyComponent({
    name: 'etcd',
    ports: 2,
    timeoutMs: options.timeoutMs ?? 30_000,
    start: ([client, peer]) => {
      const clientUrl = `http://127.0.0.1:${client}`;
      const peerUrl = `http://127.0.0.1:${peer}`;
      const dataDir = join(options.dir, 'etcd-data');
      // A retry on new ports must not find the members of the failed attempt.
      rmSync(dataDir, { recursive: true, force: true });
      return startProcess({
        name: 'etcd',
        command: options.binary,
        args: [
          '--name=default',
          `--data-dir=${dataDir}`,
          `--listen-client-urls=${clientUrl}`,
          `--advertise-client-urls=${clientUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=default=${peerUrl}`,
          '--initial-cluster-state=new',
          // Test data is disposable: skip fsync, which dominates etcd latency on shared disks.
          '--unsafe-no-fsync=true',
          '--log-level=warn',
        ],
        logFile: join(options.dir, 'etcd.log'),
      });
    },
    isReady: async ([client]) => {
      const response = await fetch(`http://127.0.0.1:${client}/health`, { signal: AbortSignal.timeout(2000) });
      const body = (await response.json()) as { health?: string };
      return response.ok && body.health === 'true';
    },
  });
  return { url: `http://127.0.0.1:${ports[0]}`, process };
}
