/**
 * `pullguard serve` as a webhook test runs it: its configuration file (the certificate in a Secret pullguard makes,
 * the caBundle of the named webhook configurations filled in by pullguard), its command line as a child process
 * tracked by PID, and the caBundles it fills in.
 */
import { join } from 'node:path';
import type { TestKube } from './kube.ts';
import { track } from './kube-process.ts';
import { repoRoot } from './paths.ts';
import { type StartedProcess, startProcess } from './process.ts';

/** The configuration file of a serve whose certificate lives in a Secret; pure. */
export function renderServeConfig(options: {
  tlsNamespace: string;
  secretName: string;
  webhookName: string;
  insecureRegistries?: readonly string[] | undefined;
  admission?: Record<string, unknown> | undefined;
}): Record<string, unknown> {
  const hosts = Object.fromEntries((options.insecureRegistries ?? []).map((host) => [host, { insecureHttp: true }]));
  return {
    server: { host: '127.0.0.1' },
    tls: {
      source: 'secret',
      namespace: options.tlsNamespace,
      secretName: options.secretName,
      serviceName: 'pullguard',
      extraIPs: ['127.0.0.1'],
      webhookConfigurations: [options.webhookName],
    },
    registries: { hosts },
    admission: { ...options.admission },
    controller: { enabled: false },
    // debug: every review is logged (at info only those with something to say), and tests read them.
    log: { level: 'debug' },
  };
}

export interface SpawnServeOptions {
  kubeconfigPath: string;
  configFile: string;
  /** Where serve writes the CA the apiserver must trust (--ca-out). */
  caFile: string;
  logFile: string;
  /** Extra `pullguard serve` flags (`--tls-cert` …). */
  args?: readonly string[] | undefined;
}

/** Starts `bin/pullguard.js serve` with this Node; the caller waits for it to be ready. */
export function spawnServe(options: SpawnServeOptions): StartedProcess {
  return track(
    startProcess({
      name: 'pullguard serve',
      command: process.execPath,
      args: [
        join(repoRoot, 'bin', 'pullguard.js'),
        'serve',
        '--kubeconfig',
        options.kubeconfigPath,
        '--config',
        options.configFile,
        '--ca-out',
        options.caFile,
        ...(options.args ?? []),
      ],
      logFile: options.logFile,
      cwd: repoRoot,
    }),
  );
}

/** The caBundle of every webhook in the configuration ([] when it does not exist). */
export async function caBundlesOf(kube: TestKube, name: string): Promise<(string | undefined)[]> {
  const result = await kube.kubectl(['get', 'validatingwebhookconfiguration', name, '-o', 'json']);
  if (result.code !== 0) return [];
  const object = JSON.parse(result.stdout) as { webhooks?: { clientConfig?: { caBundle?: string } }[] };
  return (object.webhooks ?? []).map((webhook) => webhook.clientConfig?.caBundle);
}
