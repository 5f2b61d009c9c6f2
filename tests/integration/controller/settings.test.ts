/** Controller settings on a real apiserver: a new threshold without restart, and the three actions. */
import t from 'tap';
import { createScene, MISSING, pullFailedCondition, waitForLeader } from '../../harness/controller-scene.ts';
import { eventually } from '../../harness/eventually.ts';
import { useKube } from '../../harness/kube.ts';

const kube = await useKube(t);
const image = 'registry.example/acme/worker:v3';

t.test('updateSettings changes the threshold without a restart', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController({ imagePullAttempts: 4 });
  await waitForLeader(handle);
  const { namespace: ns, kubelet } = scene;
  const pod = await scene.createPod(ns, { app: image });
  await kubelet.bind(ns, pod);
  await kubelet.failPulls(ns, pod, 'app', MISSING, 2);
  await scene.settle();
  t.equal((await scene.readPod(ns, pod)).status?.phase, 'Pending', 'below 4');

  handle.controller.updateSettings({ ...handle.settings, imagePullAttempts: 2 });
  const failed = await scene.waitForPhase(ns, pod, 'Failed');
  t.match(pullFailedCondition(failed), { reason: 'ImageNotFound', message: /2 failed pulls/ });
  t.ok(handle.controller.isLeader(), 'the same controller, still leading');
});

t.test('fail-and-delete deletes the Pod after failing it', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController({ action: 'fail-and-delete' });
  await waitForLeader(handle);
  const { namespace: ns, kubelet } = scene;
  const pod = await scene.createPod(ns, { app: image });
  await kubelet.bind(ns, pod);
  await kubelet.setState(ns, pod, 'app', { waiting: { reason: 'InvalidImageName' } });
  await eventually(
    async () => {
      try {
        await scene.readPod(ns, pod);
        return undefined;
      } catch (error) {
        return (error as { code?: number }).code === 404 ? true : undefined;
      }
    },
    { timeoutMs: 30_000, description: 'the Pod deleted' },
  );
  const warning = await eventually(
    async () => (await scene.eventsOf(ns, pod)).find((event) => event.source?.component === 'pullguard'),
    { description: "pullguard's Warning Event" },
  );
  t.match(warning, { type: 'Warning', reason: 'InvalidImageName' });
});

t.test(
  'report records one Event and the metric and leaves the Pod alone; switching to fail fails them (audit too)',
  async (t) => {
    const scene = await createScene(t, kube);
    const handle = await scene.startController({ action: 'report' });
    await waitForLeader(handle);
    const { kubelet } = scene;
    const audit = await scene.createNamespace({ 'pullguard.dev/mode': 'audit' });
    const reported: [string, string][] = [[scene.namespace, await scene.createPod(scene.namespace, { app: image })]];
    reported.push([audit, await scene.createPod(audit, { app: image })]);
    for (const [ns, pod] of reported) {
      await kubelet.bind(ns, pod);
      await kubelet.failPulls(ns, pod, 'app', MISSING, 3);
    }
    for (const [ns, pod] of reported) {
      await eventually(
        async () => (await scene.eventsOf(ns, pod)).find((event) => event.source?.component === 'pullguard'),
        { timeoutMs: 30_000, description: `the report Event on ${ns}/${pod}` },
      );
    }
    const counted = () => handle.failed.filter(([reason]) => reason === 'ImageNotFound').length;
    await eventually(() => (counted() >= 2 ? true : undefined), { description: 'the metric hook' });
    t.equal(counted(), 2, 'one count per reported Pod');
    t.equal((await scene.readPod(scene.namespace, reported[0]?.[1] ?? '')).status?.phase, 'Pending', 'report only');
    const reportEvents = (await scene.eventsOf(audit, reported[1]?.[1] ?? '')).filter(
      (event) => event.source?.component === 'pullguard',
    );
    t.equal(reportEvents.length, 1, 'reported once, not at every reconcile');
    // Switch to fail: both Pods, the audit namespace's included (its mode is about admission), are failed.
    handle.controller.updateSettings({ ...handle.settings, action: 'fail' });
    await scene.waitForPhase(reported[0]?.[0] ?? '', reported[0]?.[1] ?? '', 'Failed');
    await scene.waitForPhase(audit, reported[1]?.[1] ?? '', 'Failed');
    t.ok(pullFailedCondition(await scene.readPod(audit, reported[1]?.[1] ?? '')), 'audit: failed with the condition');
  },
);
