/**
 * Debian's containerd (1.6) for a test node, with runc and the CNI plugins, everything under a folder of the node's
 * temporary root: its own socket, state, snapshots, runc state, network namespaces, registry hosts and CNI network.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ContainerdPaths,
  renderCniConflist,
  renderContainerdConfig,
  renderPlainHttpHosts,
} from './containerd-config.ts';
import { ensureDebianPackage } from './install.ts';
import { track } from './kube-process.ts';
import { killShims } from './node-cleanup.ts';
import { type StartedProcess, startProcess, waitUntilReady } from './process.ts';

export const cniBinDir = '/usr/lib/cni';

export interface ContainerdOptions {
  /** The folder everything goes in (created). */
  dir: string;
  sandboxImage: string;
  /** Registries pulled from over plain HTTP (`127.0.0.1:PORT`). More can be added later with trustRegistry(). */
  plainHttpRegistries: readonly string[];
  network: { name: string; bridge: string; subnet: string };
  timeoutMs?: number | undefined;
}

export interface StartedContainerd {
  readonly paths: ContainerdPaths;
  /** `unix:///…/containerd.sock`, the kubelet's container runtime endpoint. */
  readonly endpoint: string;
  readonly process: StartedProcess;
  /** Lets containerd pull from another plain-HTTP registry (hosts.toml is read at every pull). */
  trustRegistry(host: string): void;
  /** Kills the shims (the node kills their containers first) and stops containerd. */
  stop(): Promise<void>;
}

/** Installs containerd, runc, the CNI plugins and busybox-static when missing. */
export function ensureRuntimePackages(): { containerd: string; ctr: string } {
  const containerd = ensureDebianPackage('containerd', 'containerd');
  ensureDebianPackage('/usr/sbin/runc', 'runc');
  ensureDebianPackage(join(cniBinDir, 'bridge'), 'containernetworking-plugins');
  return { containerd, ctr: ensureDebianPackage('ctr', 'containerd') };
}

function containerdPaths(dir: string): ContainerdPaths {
  return {
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    temp: join(dir, 'tmp'),
    socket: join(dir, 'containerd.sock'),
    certsDir: join(dir, 'certs.d'),
    runcRoot: join(dir, 'runc'),
    cniConfDir: join(dir, 'net.d'),
    cniBinDir,
  };
}

function runCtr(ctr: string, socket: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(ctr, ['--address', socket, '--timeout', '2s', ...args], { timeout: 5000 }, (error) => resolve(!error));
  });
}

export async function startContainerd(options: ContainerdOptions): Promise<StartedContainerd> {
  const { containerd, ctr } = ensureRuntimePackages();
  const paths = containerdPaths(options.dir);
  for (const dir of [paths.root, paths.state, paths.temp, paths.certsDir, paths.runcRoot, paths.cniConfDir]) {
    mkdirSync(dir, { recursive: true });
  }
  const trustRegistry = (host: string) => {
    const hostDir = join(paths.certsDir, host);
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(join(hostDir, 'hosts.toml'), renderPlainHttpHosts(host));
  };
  for (const host of options.plainHttpRegistries) trustRegistry(host);
  writeFileSync(
    join(paths.cniConfDir, '10-pullguard.conflist'),
    renderCniConflist({ ...options.network, dataDir: join(options.dir, 'cni-leases') }),
  );
  const configFile = join(options.dir, 'config.toml');
  writeFileSync(configFile, renderContainerdConfig({ paths, sandboxImage: options.sandboxImage }));
  const started = track(
    startProcess({
      name: 'containerd',
      command: containerd,
      args: ['--config', configFile],
      logFile: join(options.dir, 'containerd.log'),
    }),
  );
  const stop = async () => {
    const left = await killShims(paths.socket, paths.state);
    await started.stop();
    if (left.length > 0) throw new Error(left.join('; '));
  };
  try {
    await waitUntilReady(started, () => runCtr(ctr, paths.socket, ['version']), options.timeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { paths, endpoint: `unix://${paths.socket}`, process: started, trustRegistry, stop };
}
