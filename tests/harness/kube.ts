/**
 * A real Kubernetes control plane for tests: etcd + kube-apiserver (+ kube-controller-manager on request) on
 * loopback. `useKube(t)` reuses the cluster a test run shares (PULLGUARD_TEST_KUBE) or starts one for the test.
 * Tests share clusters, so each one works in namespaces of its own (`kube.createNamespace(prefix)`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startEtcd } from './etcd.ts';
import { startApiserver } from './kube-apiserver.ts';
import { ensureKubeBinaries } from './kube-build.ts';
import { createKubeCerts, type KubeCerts } from './kube-certs.ts';
import { startControllerManager } from './kube-controller-manager.ts';
import { tempDir } from './paths.ts';
import type { StartedProcess } from './process.ts';

export interface KubeOptions {
  /** Also run kube-controller-manager (Job, ReplicaSet, ServiceAccount, namespace, GC … controllers). */
  controllerManager?: boolean;
  /** Extra kube-apiserver flags (`--feature-gates=…`); a cluster with extra flags is never shared. */
  apiserverArgs?: string[];
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What a test needs to reach a cluster; also the JSON handed to test processes in PULLGUARD_TEST_KUBE. */
export interface KubeDescription {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly caPem: string;
  readonly auditLogPath: string;
  readonly controllerManager: boolean;
}

export interface TestKube extends KubeDescription {
  kubectl(args: string[], options?: { input?: string }): Promise<KubectlResult>;
  /**
   * Creates a namespace named uniquely after `prefix`, with its `default` ServiceAccount (which the
   * ServiceAccount admission plugin needs before any Pod, and which only the controller manager would create).
   */
  createNamespace(prefix: string): Promise<string>;
  /** Stops what this TestKube started (nothing, for a shared cluster). */
  stop(): Promise<void>;
}

export const sharedKubeEnv = 'PULLGUARD_TEST_KUBE';

interface TestContext {
  teardown(fn: () => unknown): void;
}

/** The run's shared cluster when it satisfies `options`; otherwise a cluster of the test's own, torn down after it. */
export async function useKube(t: TestContext, options: KubeOptions = {}): Promise<TestKube> {
  const shared = readSharedKube();
  if (shared && canShare(shared, options)) return connectKube(shared, async () => {});
  const kube = await startKube(options);
  t.teardown(() => kube.stop());
  return kube;
}

export function canShare(shared: KubeDescription, options: KubeOptions): boolean {
  return (shared.controllerManager || !options.controllerManager) && (options.apiserverArgs ?? []).length === 0;
}

/** Starts etcd, kube-apiserver and optionally kube-controller-manager; a failed start stops what did start. */
export async function startKube(options: KubeOptions = {}): Promise<TestKube> {
  const binaries = await ensureKubeBinaries();
  const dir = tempDir('kube');
  const started: StartedProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const component of started.reverse()) await component.stop();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    const certs = await createKubeCerts(dir);
    const etcd = await startEtcd({ binary: binaries.etcd, dir });
    started.push(etcd.process);
    const apiserver = await startApiserver({
      binary: binaries.apiserver,
      dir,
      etcdUrl: etcd.url,
      certs,
      extraArgs: options.apiserverArgs ?? [],
    });
    started.push(apiserver.process);
    const kubeconfigPath = writeKubeconfig(dir, apiserver.server, certs);
    const controllerManager = options.controllerManager === true;
    if (controllerManager) {
      const manager = await startControllerManager({
        binary: binaries.controllerManager,
        dir,
        kubeconfigPath,
        certFiles: certs.files,
      });
      started.push(manager);
    }
    const description = {
      server: apiserver.server,
      kubeconfigPath,
      caPem: certs.caPem,
      auditLogPath: apiserver.auditLogPath,
      controllerManager,
    };
    return connectKube(description, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

let counter = 0;

/** A DNS-1123 label unique across test processes: `<prefix>-<pid>-<counter><random>`. */
export function uniqueName(prefix: string): string {
  counter += 1;
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${clean || 'x'}-${process.pid.toString(36)}-${counter.toString(36)}${randomBytes(3).toString('hex')}`;
}

export function readSharedKube(): KubeDescription | undefined {
  const raw = process.env[sharedKubeEnv];
  if (!raw) return undefined;
  const description = JSON.parse(raw) as KubeDescription;
  // A stale variable (its cluster long gone) must not send tests to a dead address.
  return existsSync(description.kubeconfigPath) ? description : undefined;
}

export function describeKube(kube: KubeDescription): string {
  const { server, kubeconfigPath, caPem, auditLogPath, controllerManager } = kube;
  return JSON.stringify({ server, kubeconfigPath, caPem, auditLogPath, controllerManager });
}

function connectKube(description: KubeDescription, stop: () => Promise<void>): TestKube {
  const kubectl = (args: string[], options: { input?: string } = {}) =>
    runKubectl(
      ['--kubeconfig', description.kubeconfigPath, '--cache-dir', join(dirname(description.kubeconfigPath), 'kubectl')],
      args,
      options.input,
    );
  const createNamespace = async (prefix: string) => {
    const name = uniqueName(prefix);
    const manifest = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } },
      ],
    };
    // With the controller manager running, its ServiceAccount controller races apply's get-then-create: the
    // loser gets AlreadyExists, and applying again finds the account and succeeds.
    for (let attempt = 1; ; attempt += 1) {
      const result = await kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
      if (result.code === 0) return name;
      if (attempt >= 3 || !result.stderr.includes('AlreadyExists')) {
        throw new Error(`creating namespace ${name} failed: ${result.stderr}`);
      }
    }
  };
  return { ...description, kubectl, createNamespace, stop };
}

function writeKubeconfig(dir: string, server: string, certs: KubeCerts): string {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': base64(certs.caPem) } }],
    users: [
      {
        name: 'admin',
        user: { 'client-certificate-data': base64(certs.adminCertPem), 'client-key-data': base64(certs.adminKeyPem) },
      },
    ],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
    'current-context': 'test',
  };
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

function kubectlCommand(): string {
  return process.env.PULLGUARD_KUBECTL ?? (existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : 'kubectl');
}

function runKubectl(base: string[], args: string[], input: string | undefined): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlCommand(), [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // A hung kubectl must fail the test, not stall it until tap's timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}
