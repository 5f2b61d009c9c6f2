/**
 * A real node for tests: Debian's containerd + runc + CNI plugins, a kubelet and kube-scheduler (built from the Go
 * module proxy at the control plane's version) against a cluster of the node's own, pulling runnable busybox images
 * from a loopback registry over plain HTTP. Everything lives under one temporary root and is stopped by PID; what
 * the kubelet changes on the host is put back (node-host.ts). `useNode(t)` skips nothing by itself: tests ask
 * `nodeUnsupportedReason()` first and skip with its message where the host cannot run a node.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type StartedContainerd, startContainerd } from './containerd.ts';
import { eventually } from './eventually.ts';
import { type PushedRunnableImage, pushPauseImage, pushRunnableImage, type RunnableImageOptions } from './images.ts';
import { type KubeOptions, startKube, type TestKube, uniqueName } from './kube.ts';
import { startKubelet } from './kubelet.ts';
import { ensureNodeBinaries } from './node-build.ts';
import {
  clearNode,
  createCgroupRoot,
  currentMountsUnder,
  type NodeResources,
  removeCgroupRoot,
} from './node-cleanup.ts';
import { claimHost, releaseHost } from './node-host.ts';
import { writeNodeKubeconfig } from './node-identity.ts';
import { tempDir } from './paths.ts';
import type { StartedProcess } from './process.ts';
import { startRegistry, type TestRegistry } from './registry.ts';
import { startScheduler } from './scheduler.ts';

export interface NodeOptions {
  /** Options of the node's own cluster; the controller manager runs unless `controllerManager: false`. */
  kube?: KubeOptions | undefined;
  /** How long the Node may take to register and turn Ready (default 60 s). */
  readyTimeoutMs?: number | undefined;
}

export interface TestNode {
  readonly name: string;
  readonly kube: TestKube;
  /** The plain-HTTP loopback registry the node pulls from (the pause image lives there). */
  readonly registry: TestRegistry;
  readonly pauseImage: string;
  /** The temporary root: containerd, kubelet and scheduler folders and logs. */
  readonly root: string;
  readonly logFiles: { readonly containerd: string; readonly kubelet: string; readonly scheduler: string };
  /** What the node made on the host, for tests of its teardown. */
  readonly footprint: NodeFootprint;
  /** Pushes a runnable busybox image to the node's registry. */
  pushImage(options: RunnableImageOptions): Promise<PushedRunnableImage>;
  /** Lets the node pull from another plain-HTTP loopback registry. */
  trustRegistry(host: string): void;
  stop(): Promise<void>;
}

export interface NodeFootprint {
  /** The id the node holds the host record under (node-host.ts). */
  readonly hostId: string;
  /** The cgroup parent of its Pods, in every hierarchy. */
  readonly cgroupRoot: string;
  readonly bridge: string;
  readonly containerdSocket: string;
  /** containerd, kubelet and kube-scheduler. */
  readonly pids: readonly number[];
}

/** Why this host cannot run a node, or undefined when it can. */
export function nodeUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return 'a real node needs Linux';
  if (process.getuid?.() !== 0) return 'a real node needs root (containerd, cgroups, mounts, network namespaces)';
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  if (!v2 && !existsSync('/sys/fs/cgroup/memory/cgroup.procs')) return 'a real node needs cgroups (none mounted)';
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) return 'a real node needs overlayfs';
  return undefined;
}

interface TestContext {
  teardown(fn: () => unknown): void;
}

/** Starts a node (and its cluster) for one test file and stops it in the teardown. */
export async function useNode(t: TestContext, options: NodeOptions = {}): Promise<TestNode> {
  const node = await startNode(options);
  t.teardown(() => node.stop());
  return node;
}

async function isNodeReady(kube: TestKube, name: string): Promise<true | undefined> {
  const result = await kube.kubectl(['get', 'node', name, '-o', 'json']);
  if (result.code !== 0) return undefined;
  const node = JSON.parse(result.stdout) as { status?: { conditions?: { type: string; status: string }[] } };
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
}

/**
 * The kubelet registers its Node with the not-ready taint and the node lifecycle controller lifts it once the Node is
 * Ready; the harness's controller manager leaves that controller out (it would taint other tests' fake Nodes), so
 * the harness lifts the taint itself.
 */
async function untaintNotReady(kube: TestKube, name: string): Promise<void> {
  const result = await kube.kubectl(['taint', 'node', name, 'node.kubernetes.io/not-ready:NoSchedule-']);
  if (result.code !== 0 && !result.stderr.includes('not found')) {
    throw new Error(`removing the not-ready taint from ${name} failed: ${result.stderr}`);
  }
}

export async function startNode(options: NodeOptions = {}): Promise<TestNode> {
  const reason = nodeUnsupportedReason();
  if (reason) throw new Error(reason);
  const binaries = await ensureNodeBinaries();
  const name = uniqueName('pg-node');
  const id = randomBytes(3).toString('hex');
  const root = tempDir('node');
  const cgroupRoot = `/pullguard-${name}`;
  const bridge = `pgbr${id}`;
  const networkName = `pullguard-${id}`;
  const containerdDir = join(root, 'containerd');
  let resources: NodeResources = {
    root,
    cgroupRoot,
    bridge,
    networkName,
    containerdSocket: join(containerdDir, 'containerd.sock'),
    containerdState: join(containerdDir, 'state'),
  };
  const steps: (() => Promise<unknown> | unknown)[] = [];
  let claimed = false;
  let stopping: Promise<void> | undefined;

  const stop = () => {
    stopping ??= (async () => {
      const problems: string[] = [];
      const attempt = async (what: string, fn: () => Promise<unknown> | unknown) => {
        try {
          const result = await fn();
          if (Array.isArray(result)) problems.push(...result.map(String));
        } catch (error) {
          problems.push(`${what}: ${(error as Error).message}`);
        }
      };
      for (const step of steps.reverse()) await attempt('stop', step);
      // Containers first (by cgroup), so that containerd's shims have nothing left to serve when it stops.
      await attempt('cgroups', () => removeCgroupRoot(cgroupRoot));
      await attempt('containerd', () => containerd?.stop());
      // The cluster and the registry stop gracefully below; clearNode kills what runs from them only for dead nodes.
      await attempt('clear', () => clearNode({ ...resources, ownedDirs: [] }));
      if (claimed) await attempt('host', () => releaseHost(id));
      await attempt('registry', () => registry?.stop());
      await attempt('cluster', () => kube?.stop());
      if (currentMountsUnder(root).length === 0 && !process.env.PULLGUARD_KEEP_TEMP) {
        rmSync(root, { recursive: true, force: true });
      }
      if (problems.length > 0) throw new Error(`the test node did not stop cleanly:\n${problems.join('\n')}`);
    })();
    return stopping;
  };

  let kube: TestKube | undefined;
  let registry: TestRegistry | undefined;
  let containerd: StartedContainerd | undefined;
  try {
    const [kubeStart, registryStart] = await Promise.allSettled([
      startKube({ controllerManager: true, ...options.kube }),
      startRegistry({ auth: 'none' }),
    ]);
    // Keep whichever started, so that stop() stops it when the other failed.
    if (kubeStart.status === 'fulfilled') kube = kubeStart.value;
    if (registryStart.status === 'fulfilled') registry = registryStart.value;
    if (kubeStart.status === 'rejected') throw kubeStart.reason;
    if (registryStart.status === 'rejected') throw registryStart.reason;
    if (!kube || !registry) throw new Error('unreachable: both started');
    resources = { ...resources, ownedDirs: [dirname(kube.kubeconfigPath), dirname(registry.logFile)] };
    const pause = await pushPauseImage(registry);
    const swept = await claimHost(id, resources);
    claimed = true;
    if (swept.length > 0) console.error(`[harness] clearing dead nodes left: ${swept.join('; ')}`);
    createCgroupRoot(cgroupRoot);
    containerd = await startContainerd({
      dir: containerdDir,
      sandboxImage: pause.reference,
      plainHttpRegistries: [registry.host],
      network: { name: networkName, bridge, subnet: `10.244.${Number.parseInt(id.slice(0, 2), 16)}.0/24` },
    });
    const clusterDir = dirname(kube.kubeconfigPath);
    const kubeletDir = join(root, 'kubelet');
    const kubelet = await startKubelet({
      binary: binaries.kubelet,
      dir: kubeletDir,
      nodeName: name,
      kubeconfigPath: writeNodeKubeconfig({
        path: join(root, 'kubelet.kubeconfig'),
        server: kube.server,
        adminKubeconfigPath: kube.kubeconfigPath,
        nodeName: name,
      }),
      clientCaFile: join(clusterDir, 'caCert.pem'),
      runtimeEndpoint: containerd.endpoint,
      cgroupRoot,
      nodeLabels: { 'pullguard.dev/test-node': 'true' },
    });
    steps.push(() => kubelet.process.stop());
    const scheduler: StartedProcess = await startScheduler({
      binary: binaries.scheduler,
      dir: join(root, 'scheduler'),
      kubeconfigPath: kube.kubeconfigPath,
    });
    steps.push(() => scheduler.stop());
    const cluster = kube;
    await eventually(() => isNodeReady(cluster, name), {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      intervalMs: 250,
      description: `node ${name} to be Ready (kubelet log: ${kubelet.process.logFile})`,
    });
    await untaintNotReady(cluster, name);
    const nodeRegistry = registry;
    const runtime = containerd;
    return {
      name,
      kube,
      registry,
      pauseImage: pause.reference,
      root,
      logFiles: { containerd: runtime.process.logFile, kubelet: kubelet.process.logFile, scheduler: scheduler.logFile },
      footprint: {
        hostId: id,
        cgroupRoot,
        bridge,
        containerdSocket: runtime.paths.socket,
        pids: [runtime.process.pid, kubelet.process.pid, scheduler.pid],
      },
      pushImage: (image) => pushRunnableImage(nodeRegistry, image),
      trustRegistry: (host) => runtime.trustRegistry(host),
      stop,
    };
  } catch (error) {
    await stop().catch((stopError: Error) => console.error(`[harness] ${stopError.message}`));
    throw error;
  }
}
