/** Two controller replicas on one Lease: only the leader acts; when it goes, the other takes over. */
import t from 'tap';
import {
  type ControllerHandle,
  createScene,
  pullFailedCondition,
  waitForLeader,
} from '../../harness/controller-scene.ts';
import { eventually } from '../../harness/eventually.ts';
import { useKube } from '../../harness/kube.ts';

const kube = await useKube(t);

t.test('two replicas never both act; killing the leader hands over', async (t) => {
  const scene = await createScene(t, kube);
  const first = await scene.startController({ identity: 'replica-a' });
  await waitForLeader(first);
  const second = await scene.startController({ identity: 'replica-b' });
  const replicas: ControllerHandle[] = [first, second];

  // Watch leadership all along: never two leaders at once.
  let bothLed = false;
  const monitor = setInterval(() => {
    if (replicas.every((replica) => replica.controller.isLeader())) bothLed = true;
  }, 5);
  t.teardown(() => clearInterval(monitor));
  t.notOk(second.controller.isLeader(), 'the second replica waits');

  const { namespace: ns, kubelet } = scene;
  const stuckPod = async () => {
    const pod = await scene.createPod(ns, { app: 'registry.example/a:v1' });
    await kubelet.bind(ns, pod);
    await kubelet.setState(ns, pod, 'app', { waiting: { reason: 'InvalidImageName' } });
    return pod;
  };
  // The Warning Event follows the status patch: wait for it.
  const actors = (pod: string) =>
    eventually(
      async () => {
        const instances = (await scene.eventsOf(ns, pod))
          .filter((event) => event.source?.component === 'pullguard')
          .map((event) => event.reportingInstance);
        return instances.length > 0 ? instances : undefined;
      },
      { timeoutMs: 10_000, description: `pullguard's Event on ${pod}` },
    );

  const before = [await stuckPod(), await stuckPod(), await stuckPod()];
  for (const pod of before) {
    t.ok(pullFailedCondition(await scene.waitForPhase(ns, pod, 'Failed')), `${pod} failed`);
    t.same(await actors(pod), ['replica-a'], 'failed by the leader alone');
  }

  await first.controller.stop();
  t.notOk(first.controller.isLeader());
  await waitForLeader(second);
  const after = await stuckPod();
  await scene.waitForPhase(ns, after, 'Failed');
  t.same(await actors(after), ['replica-b'], 'the new leader acts');
  t.notOk(bothLed, 'never two leaders at once');
  await eventually(() => (second.failed.length === 1 ? true : undefined), { description: 'the metric' });
  t.equal(first.failed.length + second.failed.length, 4, 'each Pod counted once in all');
});

t.test('a leader whose Lease is taken steps down at once, and competes again', async (t) => {
  const scene = await createScene(t, kube);
  const handle = await scene.startController({ identity: 'replica-c' });
  await waitForLeader(handle);
  // Another holder writes the Lease (as a replica that took it over would): the leader must step down.
  const { settings } = handle;
  const readLease = async () => {
    const result = await kube.kubectl(['get', 'lease', '-n', settings.namespace, settings.leaseName, '-o', 'json']);
    return result.code === 0 ? (JSON.parse(result.stdout) as { spec: Record<string, unknown> }) : undefined;
  };
  const lease = await eventually(readLease, { description: 'the Lease' });
  const renewTime = new Date()
    .toISOString()
    .replace('Z', '000Z')
    .replace(/\.(\d{3})000Z$/, '.$1000Z');
  const patch = { spec: { ...lease.spec, holderIdentity: 'someone-else', renewTime } };
  const args = ['patch', 'lease', '-n', settings.namespace, settings.leaseName, '--type=merge', '-p'];
  const result = await kube.kubectl([...args, JSON.stringify(patch)]);
  t.equal(result.code, 0, result.stderr);
  await eventually(() => (handle.controller.isLeader() ? undefined : true), {
    timeoutMs: 10_000,
    description: 'the leader stepping down',
  });
  t.ok(
    handle.logs.some((line) => line.msg === 'stopped leading; no longer acting'),
    'its workers were stopped',
  );

  // someone-else never renews: after leaseDuration the replica takes the Lease back and acts again.
  await waitForLeader(handle);
  const pod = await scene.createPod(scene.namespace, { app: 'registry.example/b:v1' });
  await scene.kubelet.bind(scene.namespace, pod);
  await scene.kubelet.setState(scene.namespace, pod, 'app', { waiting: { reason: 'InvalidImageName' } });
  await scene.waitForPhase(scene.namespace, pod, 'Failed');
  t.equal(handle.logs.filter((line) => line.msg === 'became leader; acting on stuck pulls').length, 2);
});
