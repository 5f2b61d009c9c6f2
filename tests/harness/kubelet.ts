/** The kubelet of a test node, against the test apiserver and the node's containerd, rooted in a temporary folder. */

import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startReadyComponent } from './kube-process.ts';
import { renderKubeletConfig } from './kubelet-config.ts';
import type { StartedProcess } from './process.ts';
import { startProcess } from './process.ts';

export interface KubeletOptions {
  binary: string;
  dir: string;
  nodeName: string;
  kubeconfigPath: string;
  clientCaFile: string;
  runtimeEndpoint: string;
  cgroupRoot: string;
  nodeLabels?: Record<string, string> | undefined;
  timeoutMs?: number | undefined;
}

export interface StartedKubelet {
  readonly process: StartedProcess;
  readonly rootDir: string;
  readonly port: number;
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Starts the kubelet; ready once its healthz answers (the caller waits for the Node to be Ready). */
export async function startKubelet(options: KubeletOptions): Promise<StartedKubelet> {
  const rootDir = join(options.dir, 'root');
  const podLogsDir = join(options.dir, 'pod-logs');
  const volumePluginDir = join(options.dir, 'volume-plugins');
  for (const dir of [rootDir, podLogsDir, volumePluginDir]) mkdirSync(dir, { recursive: true });
  const labels = Object.entries(options.nodeLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const { process, ports } = await startReadyComponent({
    name: 'kubelet',
    ports: 2,
    timeoutMs: options.timeoutMs ?? 60_000,
    start: ([port, healthzPort]) => {
      const configFile = join(options.dir, 'config.json');
      const config = renderKubeletConfig({
        port: port ?? 0,
        healthzPort: healthzPort ?? 0,
        clientCaFile: options.clientCaFile,
        runtimeEndpoint: options.runtimeEndpoint,
        cgroupRoot: options.cgroupRoot,
        podLogsDir,
        volumePluginDir,
      });
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      return startProcess({
        name: 'kubelet',
        command: options.binary,
        args: [
          `--config=${configFile}`,
          `--kubeconfig=${options.kubeconfigPath}`,
          `--hostname-override=${options.nodeName}`,
          `--root-dir=${rootDir}`,
          `--cert-dir=${join(rootDir, 'pki')}`,
          ...(labels ? [`--node-labels=${labels}`] : []),
          '--v=2',
        ],
        logFile: join(options.dir, 'kubelet.log'),
      });
    },
    isReady: ([, healthzPort]) => httpOk(`http://127.0.0.1:${healthzPort}/healthz`),
  });
  return { process, rootDir, port: ports[0] ?? 0 };
}
