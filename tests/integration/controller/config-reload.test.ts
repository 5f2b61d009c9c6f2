/**
 * `serve` runs the controller; editing `controller.imagePullAttempts` in its configuration file changes when a Pod
 * is failed, without a restart. The cluster is this file's own (an extra apiserver flag keeps it from being shared):
 * serve's controller acts on every opted-in namespace it can see.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseConfigText } from '../../../server/config/index.ts';
import { loadKubeConfig } from '../../../server/kube/kube-config.ts';
import { createLogger } from '../../../server/log/logger.ts';
import { startServe } from '../../../server/serve/compose.ts';
import { MISSING, pullFailedCondition } from '../../harness/controller-scene.ts';
import { eventually } from '../../harness/eventually.ts';
import { createFakeKubelet } from '../../harness/fake-kubelet.ts';
import { uniqueName, useKube } from '../../harness/kube.ts';

const kube = await useKube(t, { apiserverArgs: ['--profiling=false'] });

t.test('a new imagePullAttempts in the configuration file applies without a restart', async (t) => {
  const pullguardNamespace = await kube.createNamespace('pullguard');
  const ns = await kube.createNamespace('reload');
  const labelled = await kube.kubectl(['label', 'namespace', ns, 'pullguard.dev/mode=enforce']);
  t.equal(labelled.code, 0, labelled.stderr);

  const dir = mkdtempSync(join(tmpdir(), 'pullguard-reload-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'config.yaml');
  const leaseName = uniqueName('lease');
  const configText = (attempts: number) =>
    [
      'server: { host: 127.0.0.1, port: 0 }',
      `tls: { namespace: ${pullguardNamespace}, secretName: ${uniqueName('tls')}, extraIPs: [127.0.0.1] }`,
      `controller: { imagePullAttempts: ${attempts}, leaseName: ${leaseName} }`,
      'log: { level: warn }',
      '',
    ].join('\n');
  writeFileSync(configPath, configText(5));

  const running = await startServe({
    config: parseConfigText(configText(5), configPath),
    logger: createLogger({ level: 'silent' }),
    kubeConfig: loadKubeConfig({ path: kube.kubeconfigPath }).kubeConfig,
    configPath,
    configPollIntervalMs: 100,
    defaultMetrics: false,
  });
  t.teardown(() => running.close());
  await eventually(() => (running.readiness().length === 0 ? true : undefined), {
    timeoutMs: 60_000,
    description: 'serve ready',
  });
  await eventually(
    async () => {
      const lease = await kube.kubectl(['get', 'lease', '-n', pullguardNamespace, leaseName, '-o', 'json']);
      return lease.code === 0 && JSON.parse(lease.stdout).spec?.holderIdentity ? true : undefined;
    },
    { timeoutMs: 30_000, description: 'the controller leading' },
  );

  const kubelet = createFakeKubelet({ kubeconfigPath: kube.kubeconfigPath, nodeName: uniqueName('node') });
  const pod = uniqueName('pod');
  await kubelet.core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: pod },
      spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'registry.example/x:v1' }] },
    },
  });
  await kubelet.bind(ns, pod);
  await kubelet.failPulls(ns, pod, 'app', MISSING, 3);

  // The controller has looked at the Pod (it counts as stuck) and left it: 3 < 5.
  const stuck = async () => (await running.metrics.handles.controllerStuckPods.get()).values[0]?.value;
  await eventually(async () => ((await stuck()) === 1 ? true : undefined), { description: 'the Pod counted as stuck' });
  t.equal((await kubelet.core.readNamespacedPod({ namespace: ns, name: pod })).status?.phase, 'Pending');

  writeFileSync(configPath, configText(3));
  const failed = await eventually(
    async () => {
      const current = await kubelet.core.readNamespacedPod({ namespace: ns, name: pod });
      return current.status?.phase === 'Failed' ? current : undefined;
    },
    { timeoutMs: 30_000, description: 'the Pod failed after the reload' },
  );
  t.match(pullFailedCondition(failed), { status: 'True', reason: 'ImageNotFound', message: /3 failed pulls/ });
});
