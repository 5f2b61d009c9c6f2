/**
 * A stuck-pull controller against the test cluster, confined to namespaces of its own (a per-test shard label), a
 * fake kubelet to write what a kubelet writes, and the polling helpers the controller tests share.
 */
import { Writable } from 'node:stream';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import {
  createStuckPullController,
  type StuckPullController,
  type StuckPullSettings,
} from '../../server/controller/controller.ts';
import { eventually } from './eventually.ts';
import { createFakeKubelet, type FakeKubelet } from './fake-kubelet.ts';
import { type TestKube, uniqueName } from './kube.ts';

export const SHARD_LABEL = 'test.pullguard.dev/shard';
export const MISSING = 'rpc error: code = NotFound desc = failed to pull and unpack image: not found';

interface TestContext {
  teardown(fn: () => unknown): void;
  passing(): boolean;
  comment(...message: unknown[]): void;
}

export interface ControllerHandle {
  readonly controller: StuckPullController;
  readonly identity: string;
  readonly failed: [string, number][];
  readonly stuck: number[];
  readonly logs: Record<string, unknown>[];
  settings: StuckPullSettings;
}

export interface Scene {
  readonly kube: TestKube;
  readonly kubelet: FakeKubelet;
  readonly shard: string;
  /** An opted-in namespace of this test (mode enforce), also holding the Lease. */
  readonly namespace: string;
  readonly kubeConfig: KubeConfig;
  startController(
    overrides?: Partial<StuckPullSettings> & { identity?: string; workers?: number },
  ): Promise<ControllerHandle>;
  /** A namespace of this shard with the given labels (and annotations). */
  createNamespace(labels: Record<string, string>, annotations?: Record<string, string>): Promise<string>;
  /** Creates a Pod with one container per entry (name → image), optionally annotated. */
  createPod(
    namespace: string,
    containers: Record<string, string>,
    annotations?: Record<string, string>,
  ): Promise<string>;
  readPod(namespace: string, name: string): Promise<V1Pod>;
  waitForPhase(namespace: string, name: string, phase: string, timeoutMs?: number): Promise<V1Pod>;
  /**
   * Returns once the (single-worker) controller has reconciled everything that happened before the call: two
   * marker Pods in turn, each failed at once (InvalidImageName). With one worker and a FIFO queue, a key queued before
   * the second marker is reconciled before it.
   */
  settle(namespace?: string): Promise<void>;
  eventsOf(namespace: string, name: string): Promise<CoreV1Event[]>;
}

export const defaultSettings = (namespace: string): StuckPullSettings => ({
  imagePullAttempts: 3,
  maxPullFailureSeconds: 900,
  action: 'fail',
  resyncSeconds: 300,
  leaseName: uniqueName('lease'),
  namespace,
});

export async function createScene(t: TestContext, kube: TestKube): Promise<Scene> {
  const shard = uniqueName('shard');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kube.kubeconfigPath);
  const kubelet = createFakeKubelet({ kubeconfigPath: kube.kubeconfigPath, nodeName: uniqueName('node') });
  const core = kubelet.core;
  const leaseName = uniqueName('lease');

  const createNamespace = async (labels: Record<string, string>, annotations: Record<string, string> = {}) => {
    const namespace = await kube.createNamespace('ctl');
    const patch = { metadata: { labels: { [SHARD_LABEL]: shard, ...labels }, annotations } };
    const result = await kube.kubectl(['patch', 'namespace', namespace, '--type=merge', '-p', JSON.stringify(patch)]);
    if (result.code !== 0) throw new Error(`labelling ${namespace}: ${result.stderr}`);
    return namespace;
  };
  const namespace = await createNamespace({ 'pullguard.dev/mode': 'enforce' });

  const createPod = async (ns: string, containers: Record<string, string>, annotations?: Record<string, string>) => {
    const name = uniqueName('pod');
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name, ...(annotations ? { annotations } : {}) },
        spec: {
          restartPolicy: 'Never',
          containers: Object.entries(containers).map(([container, image]) => ({ name: container, image })),
        },
      },
    });
    return name;
  };

  const readPod = (ns: string, name: string) => core.readNamespacedPod({ namespace: ns, name });
  const waitForPhase = (ns: string, name: string, phase: string, timeoutMs = 30_000) =>
    eventually(
      async () => {
        const pod = await readPod(ns, name);
        return pod.status?.phase === phase ? pod : undefined;
      },
      { timeoutMs, description: `${ns}/${name} in phase ${phase}` },
    );

  const settle = async (ns = namespace) => {
    for (let round = 0; round < 2; round++) {
      const marker = await createPod(ns, { app: 'Invalid:Image' });
      await kubelet.bind(ns, marker);
      await kubelet.setState(ns, marker, 'app', { waiting: { reason: 'InvalidImageName', message: 'invalid' } });
      await waitForPhase(ns, marker, 'Failed');
    }
  };

  const startController: Scene['startController'] = async (overrides = {}) => {
    const { identity: wantedIdentity, workers, ...settingsOverrides } = overrides;
    const identity = wantedIdentity ?? uniqueName('replica');
    const logs: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    const handle: ControllerHandle = {
      controller: undefined as unknown as StuckPullController,
      identity,
      failed: [],
      stuck: [],
      logs,
      settings: { ...defaultSettings(namespace), leaseName, ...settingsOverrides },
    };
    const controller = createStuckPullController({
      kubeConfig,
      logger: pino({ level: 'debug' }, sink),
      metrics: {
        onPodFailed: (reason, seconds) => handle.failed.push([reason, seconds]),
        setStuckPods: (count) => handle.stuck.push(count),
      },
      settings: handle.settings,
      identity,
      workers: workers ?? 1,
      namespaceLabelSelector: `pullguard.dev/mode,${SHARD_LABEL}=${shard}`,
      leaderElection: { leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 0.5 },
      retryBackoff: { baseDelayMs: 50, maxDelayMs: 2_000 },
    });
    (handle as { controller: StuckPullController }).controller = controller;
    t.teardown(async () => {
      await controller.stop();
      if (!t.passing()) {
        t.comment(`controller ${identity} log (last 40 lines):`);
        for (const line of logs.slice(-40)) t.comment(JSON.stringify(line));
      }
    });
    await controller.start();
    return handle;
  };

  const eventsOf = async (ns: string, name: string) =>
    (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items;

  return {
    kube,
    kubelet,
    shard,
    namespace,
    kubeConfig,
    startController,
    createNamespace,
    createPod,
    readPod,
    waitForPhase,
    settle,
    eventsOf,
  };
}

/** The ImagePullFailed condition of a Pod, if any. */
export function pullFailedCondition(pod: V1Pod) {
  return pod.status?.conditions?.find((condition) => condition.type === 'ImagePullFailed');
}

/** Waits until the controller leads (the first replica of a Lease takes it at once). */
export function waitForLeader(handle: ControllerHandle, timeoutMs = 20_000): Promise<true> {
  return eventually(() => (handle.controller.isLeader() ? true : undefined), {
    timeoutMs,
    description: `${handle.identity} leading`,
  });
}
