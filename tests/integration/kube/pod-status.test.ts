/**
 * The controller's Pod writes against a real kube-apiserver: a patch decided on a stale resourceVersion is refused
 * with 409, a current one lands and merges conditions by type, the spec patch lowers activeDeadlineSeconds, and
 * Events are recorded on the Pod.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import t from 'tap';
import { createPodWriter } from '../../../server/kube/pod-status.ts';
import { useKube } from '../../harness/kube.ts';
import { adminKubeConfig, ownNamespace, pendingPod } from './helpers.ts';

const kube = await useKube(t);
const kubeConfig = adminKubeConfig(kube);
const core = kubeConfig.makeApiClient(CoreV1Api);
const writer = createPodWriter(kubeConfig, {
  instance: 'pullguard-test-0',
  now: () => new Date('2026-01-02T03:04:05Z'),
});
const namespace = await ownNamespace(t, kube, 'pod-status');

const kubeletCondition = {
  type: 'PodScheduled',
  status: 'True',
  lastTransitionTime: '2026-01-02T03:00:00Z',
};
const failedCondition = {
  type: 'ImagePullFailed',
  status: 'True',
  reason: 'ImageNotFound',
  message: 'container app: image registry.invalid/app:1 not found',
  lastTransitionTime: '2026-01-02T03:04:05Z',
};

t.test('status: a stale resourceVersion is a conflict; a current one lands and keeps other conditions', async (t) => {
  const created = await core.createNamespacedPod({ namespace, body: pendingPod(namespace, 'status') });
  const stale = created.metadata?.resourceVersion ?? '';
  // The "kubelet" writes meanwhile, moving the resourceVersion on.
  const moved = await writer.patchPodStatus(namespace, 'status', { conditions: [kubeletCondition] }, stale);
  t.equal(moved.outcome, 'patched');
  if (moved.outcome !== 'patched') return;
  t.not(moved.resourceVersion, stale);

  const refused = await writer.patchPodStatus(
    namespace,
    'status',
    { phase: 'Failed', conditions: [failedCondition] },
    stale,
  );
  t.same(refused, { outcome: 'conflict' });
  t.equal(
    (await core.readNamespacedPodStatus({ namespace, name: 'status' })).status?.phase,
    'Pending',
    'nothing written',
  );

  const landed = await writer.patchPodStatus(
    namespace,
    'status',
    { phase: 'Failed', conditions: [failedCondition] },
    moved.resourceVersion,
  );
  t.equal(landed.outcome, 'patched');
  const pod = await core.readNamespacedPodStatus({ namespace, name: 'status' });
  t.equal(pod.status?.phase, 'Failed');
  t.same(
    pod.status?.conditions?.map((c) => [c.type, c.status, c.reason]).sort(),
    [
      ['ImagePullFailed', 'True', 'ImageNotFound'],
      ['PodScheduled', 'True', undefined],
    ],
    'conditions merge by type',
  );
  t.same(await writer.patchPodStatus(namespace, 'absent', { phase: 'Failed' }, '1'), { outcome: 'not-found' });
});

t.test('spec: activeDeadlineSeconds under the resourceVersion guard', async (t) => {
  const created = await core.createNamespacedPod({ namespace, body: pendingPod(namespace, 'deadline') });
  const version = created.metadata?.resourceVersion ?? '';
  const patched = await writer.patchPodSpec(namespace, 'deadline', { activeDeadlineSeconds: 42 }, version);
  t.equal(patched.outcome, 'patched');
  t.equal((await core.readNamespacedPod({ namespace, name: 'deadline' })).spec?.activeDeadlineSeconds, 42);
  t.same(await writer.patchPodSpec(namespace, 'deadline', { activeDeadlineSeconds: 7 }, version), {
    outcome: 'conflict',
  });
  // The apiserver's own validation still applies: the deadline may not grow.
  const current = (await core.readNamespacedPod({ namespace, name: 'deadline' })).metadata?.resourceVersion ?? '';
  await t.rejects(writer.patchPodSpec(namespace, 'deadline', { activeDeadlineSeconds: 4200 }, current), {
    code: 'KUBE_ERROR',
    httpStatus: 422,
    message: /patching Pod .*\/deadline failed: HTTP 422/,
  });
});

t.test('an Event on the Pod', async (t) => {
  const pod = await core.createNamespacedPod({ namespace, body: pendingPod(namespace, 'evented') });
  await writer.createEvent({
    pod: { namespace, name: 'evented', uid: pod.metadata?.uid },
    type: 'Warning',
    reason: 'ImagePullFailed',
    message: `image not found ${'x'.repeat(2000)}`,
    action: 'FailPod',
  });
  const events = await core.listNamespacedEvent({
    namespace,
    fieldSelector: 'involvedObject.kind=Pod,involvedObject.name=evented',
  });
  t.equal(events.items.length, 1);
  const [event] = events.items;
  t.match(event, {
    type: 'Warning',
    reason: 'ImagePullFailed',
    action: 'FailPod',
    source: { component: 'pullguard' },
    reportingComponent: 'pullguard',
    reportingInstance: 'pullguard-test-0',
    involvedObject: { kind: 'Pod', name: 'evented', uid: pod.metadata?.uid },
    count: 1,
  });
  t.equal(event?.message?.length, 1024, 'long messages are cut');
  t.ok(event?.metadata?.name?.startsWith('evented.'));
});
