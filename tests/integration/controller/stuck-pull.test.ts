/**
 * The stuck-pull controller against a real kube-apiserver, with Pod status and Events written as a kubelet writes
 * them (tests/harness/fake-kubelet.ts).
 */
import t from 'tap';
import { createScene, MISSING, pullFailedCondition, waitForLeader } from '../../harness/controller-scene.ts';
import { eventually } from '../../harness/eventually.ts';
import { useKube } from '../../harness/kube.ts';

const kube = await useKube(t);
const image = 'registry.example/acme/api:v1.2';

t.test('fails after imagePullAttempts failed pulls and not before, in one patch with the condition', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController();
  await waitForLeader(handle);
  const { namespace: ns, kubelet } = scene;
  const pod = await scene.createPod(ns, { app: image });
  await kubelet.bind(ns, pod);

  await kubelet.failPulls(ns, pod, 'app', MISSING, 2);
  await scene.settle();
  t.equal((await scene.readPod(ns, pod)).status?.phase, 'Pending', 'still Pending after 2 failed pulls');
  t.equal(handle.stuck.at(-1), 1, 'counted as stuck');

  await kubelet.failPull(ns, pod, 'app', MISSING);
  const failed = await scene.waitForPhase(ns, pod, 'Failed');
  const condition = pullFailedCondition(failed);
  t.match(condition, { status: 'True', reason: 'ImageNotFound' });
  for (const text of ['container "app"', image, '3 failed pulls', 'not found']) {
    t.ok(condition?.message?.includes(text), `the message names ${text}`);
  }
  // The deadline patch follows the status patch: a read between the two sees Failed without it.
  const deadline = await eventually(async () => (await scene.readPod(ns, pod)).spec?.activeDeadlineSeconds, {
    description: 'activeDeadlineSeconds to be lowered',
  });
  t.ok(deadline >= 1 && deadline <= 60, `activeDeadlineSeconds lowered (${deadline})`);

  const warning = await eventually(
    async () => (await scene.eventsOf(ns, pod)).find((event) => event.source?.component === 'pullguard'),
    { description: "pullguard's Warning Event" },
  );
  t.match(warning, { type: 'Warning', reason: 'ImageNotFound', reportingInstance: handle.identity });
  const [, seconds] = await eventually(() => handle.failed.find(([reason]) => reason === 'ImageNotFound'), {
    description: 'the metric hook',
  });
  t.ok(seconds >= 0 && seconds < 120, `seconds from the first failure (${seconds})`);
});

t.test('a Pod the kubelet puts back in Pending is failed again', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController();
  await waitForLeader(handle);
  const { namespace: ns, kubelet } = scene;
  const pod = await scene.createPod(ns, { app: image });
  await kubelet.bind(ns, pod);
  await kubelet.failPulls(ns, pod, 'app', MISSING, 3);
  const first = await scene.waitForPhase(ns, pod, 'Failed');

  for (let round = 1; round <= 2; round++) {
    const back = await kubelet.writePhase(ns, pod, 'Pending');
    t.equal(back.status?.phase, 'Pending', `round ${round}: the kubelet wrote Pending`);
    t.ok(pullFailedCondition(back), 'the kubelet keeps the condition');
    const again = await scene.waitForPhase(ns, pod, 'Failed');
    t.match(pullFailedCondition(again), { status: 'True', reason: 'ImageNotFound' });
    t.equal(
      String(pullFailedCondition(again)?.lastTransitionTime),
      String(pullFailedCondition(first)?.lastTransitionTime),
      'the condition did not transition again',
    );
  }
  await eventually(() => (handle.failed.length > 0 ? true : undefined), { description: 'the metric hook' });
  t.equal(handle.failed.filter(([reason]) => reason === 'ImageNotFound').length, 1, 'counted once');
});

t.test('InvalidImageName and ErrImageNeverPull fail at once', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController();
  await waitForLeader(handle);
  const { namespace: ns, kubelet } = scene;
  const table = [
    { reason: 'InvalidImageName', want: 'InvalidImageName', message: 'Failed to apply default image tag' },
    { reason: 'ErrImageNeverPull', want: 'ImageNeverPull', message: 'not present with pull policy of Never' },
  ];
  for (const row of table) {
    const pod = await scene.createPod(ns, { app: image });
    await kubelet.bind(ns, pod);
    await kubelet.setState(ns, pod, 'app', { waiting: { reason: row.reason, message: row.message } });
    const failed = await scene.waitForPhase(ns, pod, 'Failed');
    t.match(pullFailedCondition(failed), { status: 'True', reason: row.want }, row.reason);
  }
});

t.test('an admission verdict fails an unbound Pod at once, without a deadline', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController();
  await waitForLeader(handle);
  const verdict = JSON.stringify({
    outcome: 'absent',
    fieldPath: 'spec.containers[0].image',
    container: 'app',
    image,
    reason: 'registry.example answered MANIFEST_UNKNOWN',
  });
  const pod = await scene.createPod(scene.namespace, { app: image }, { 'pullguard.dev/verdict': verdict });
  const failed = await scene.waitForPhase(scene.namespace, pod, 'Failed');
  t.match(pullFailedCondition(failed), { reason: 'ImageNotFound', message: /MANIFEST_UNKNOWN/ });
  t.equal(failed.spec?.activeDeadlineSeconds, undefined, 'no kubelet to race: no deadline');
  t.equal(failed.spec?.nodeName, undefined);
});

t.test('a Pod that recovers, or has a running container, is never failed', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController();
  await waitForLeader(handle);
  const { namespace: ns, kubelet } = scene;

  const recovered = await scene.createPod(ns, { app: image });
  await kubelet.bind(ns, recovered);
  await kubelet.failPulls(ns, recovered, 'app', MISSING, 2);
  await kubelet.setState(ns, recovered, 'app', { running: { startedAt: new Date() } }, 'Running');

  const sidecar = await scene.createPod(ns, { app: image, side: 'registry.example/side:v1' });
  await kubelet.bind(ns, sidecar);
  await kubelet.setState(ns, sidecar, 'side', { running: { startedAt: new Date() } });
  await kubelet.failPulls(ns, sidecar, 'app', MISSING, 5);

  await scene.settle();
  const recoveredPod = await scene.readPod(ns, recovered);
  t.equal(recoveredPod.status?.phase, 'Running');
  t.notOk(pullFailedCondition(recoveredPod));
  const sidecarPod = await scene.readPod(ns, sidecar);
  t.equal(sidecarPod.status?.phase, 'Pending', 'a Pod with a running container is left alone');
  t.notOk(pullFailedCondition(sidecarPod));
});

t.test('Pods in namespaces that did not opt in are never touched', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController();
  await waitForLeader(handle);
  const { kubelet } = scene;
  const unlabelled = await scene.createNamespace({});
  const notAMode = await scene.createNamespace({ 'pullguard.dev/mode': 'off' });
  const pods: [string, string][] = [];
  for (const ns of [unlabelled, notAMode]) {
    const pod = await scene.createPod(ns, { app: image });
    await kubelet.bind(ns, pod);
    await kubelet.setState(ns, pod, 'app', { waiting: { reason: 'InvalidImageName' } });
    pods.push([ns, pod]);
  }
  await scene.settle();
  for (const [ns, pod] of pods) {
    const current = await scene.readPod(ns, pod);
    t.equal(current.status?.phase, 'Pending', `${ns} untouched`);
    t.notOk(pullFailedCondition(current));
  }
});

t.test('Events stop after a burst of 25, status transitions keep counting', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController();
  await waitForLeader(handle);
  const { kubelet } = scene;
  const ns = await scene.createNamespace(
    { 'pullguard.dev/mode': 'enforce' },
    { 'pullguard.dev/image-pull-attempts': '8' },
  );
  const pod = await scene.createPod(ns, { app: image });
  await kubelet.bind(ns, pod);
  await kubelet.failPulls(ns, pod, 'app', MISSING, 7);
  t.equal(kubelet.tokensLeft(ns, pod), 0, "the kubelet's spam filter has stopped the Pod's Events");
  const counted = (await scene.eventsOf(ns, pod))
    .filter((event) => event.message?.startsWith('Failed to pull image'))
    .reduce((sum, event) => sum + (event.count ?? 1), 0);
  t.ok(counted < 7, `Events record only ${counted} of 7 failed pulls`);
  await scene.settle(ns);
  t.equal((await scene.readPod(ns, pod)).status?.phase, 'Pending', 'not failed below the namespace override (8)');

  await kubelet.failPull(ns, pod, 'app', MISSING);
  const failed = await scene.waitForPhase(ns, pod, 'Failed');
  t.match(pullFailedCondition(failed)?.message, /8 failed pulls/);
});
