import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import { VERDICT_ANNOTATION } from '../../../server/admission/keys.ts';
import { encodeVerdict } from '../../../server/admission/verdict.ts';
import { createAttemptTracker } from '../../../server/controller/attempts.ts';
import { decidePodFailure } from '../../../server/controller/decide.ts';
import { deadlineToSet, isStuckOnImage } from '../../../server/controller/reconcile.ts';
import { slimEvent, slimPod } from '../../../server/kube/slim-objects.ts';

const image = 'registry.example/team/app:v1';
const keep = { keepAnnotations: [VERDICT_ANNOTATION] };

/** A Pending Pod as a watch delivers it: plain JSON, RFC 3339 strings, and everything the controller never reads. */
function watchedPod(overrides: { annotations?: Record<string, string>; waiting?: string } = {}): V1Pod {
  return JSON.parse(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'worker-1',
        namespace: 'team-a',
        uid: 'uid-1',
        resourceVersion: '4242',
        generation: 1,
        creationTimestamp: '2025-03-01T10:00:00Z',
        labels: { app: 'batch-worker', 'batch.kubernetes.io/job-name': 'nightly' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"blob"}', ...overrides.annotations },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly', uid: 'job-1', controller: true }],
        managedFields: [
          {
            manager: 'kube-controller-manager',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2025-03-01T10:00:00Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': { 'f:labels': {} }, 'f:spec': { 'f:containers': {} } },
          },
        ],
      },
      spec: {
        nodeName: 'node-7',
        activeDeadlineSeconds: 3600,
        restartPolicy: 'Never',
        serviceAccountName: 'default',
        tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
        volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
        initContainers: [{ name: 'init', image: 'registry.example/init:v1', args: ['--prepare'] }],
        containers: [
          {
            name: 'app',
            image,
            imagePullPolicy: 'IfNotPresent',
            args: ['--shard', '1'],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            resources: { requests: { cpu: '100m', memory: '128Mi' } },
            volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets' }],
          },
        ],
      },
      status: {
        phase: 'Pending',
        startTime: '2025-03-01T10:00:05Z',
        qosClass: 'Burstable',
        hostIP: '10.0.0.7',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-03-01T10:00:01Z', lastProbeTime: null },
          { type: 'Initialized', status: 'True', lastTransitionTime: '2025-03-01T10:00:06Z' },
        ],
        initContainerStatuses: [
          {
            name: 'init',
            image: 'registry.example/init:v1',
            imageID: 'sha256:abc',
            ready: true,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: '2025-03-01T10:00:06Z' } },
          },
        ],
        containerStatuses: [
          {
            name: 'app',
            image,
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            lastState: {},
            volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets' }],
            state: {
              waiting: {
                reason: overrides.waiting ?? 'ErrImagePull',
                message: `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`,
              },
            },
          },
        ],
      },
    }),
  ) as V1Pod;
}

/** The same Pod as client-node's typed list hands it over: timestamps as Date objects. */
function listedPod(): V1Pod {
  const pod = watchedPod();
  const metadata = pod.metadata as unknown as Record<string, unknown>;
  metadata.creationTimestamp = new Date(metadata.creationTimestamp as string);
  const status = pod.status as unknown as Record<string, unknown>;
  status.startTime = new Date(status.startTime as string);
  return pod;
}

t.test('a slim Pod keeps what the controller reads and nothing else', async (t) => {
  const verdict = encodeVerdict({
    outcome: 'absent',
    fieldPath: 'spec.containers[0].image',
    container: 'app',
    image,
    reason: 'manifest unknown',
  });
  const slim = slimPod(watchedPod({ annotations: { [VERDICT_ANNOTATION]: verdict } }), keep);
  t.same(slim, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'worker-1',
      namespace: 'team-a',
      uid: 'uid-1',
      resourceVersion: '4242',
      creationTimestamp: '2025-03-01T10:00:00Z',
      annotations: { [VERDICT_ANNOTATION]: verdict },
    },
    spec: {
      nodeName: 'node-7',
      activeDeadlineSeconds: 3600,
      containers: [{ name: 'app', image }],
      initContainers: [{ name: 'init', image: 'registry.example/init:v1' }],
    },
    status: {
      phase: 'Pending',
      startTime: '2025-03-01T10:00:05Z',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Initialized', status: 'True' },
      ],
      containerStatuses: [
        {
          name: 'app',
          image,
          imageID: '',
          ready: false,
          restartCount: 0,
          started: false,
          state: watchedPod().status?.containerStatuses?.[0]?.state,
        },
      ],
      initContainerStatuses: [
        {
          name: 'init',
          image: 'registry.example/init:v1',
          imageID: 'sha256:abc',
          ready: true,
          restartCount: 0,
          state: watchedPod().status?.initContainerStatuses?.[0]?.state,
        },
      ],
    },
  });
  t.ok(
    JSON.stringify(slimPod(watchedPod(), keep)).length * 2 < JSON.stringify(watchedPod()).length,
    'under half the size',
  );
});

t.test('annotations: only those asked for; none asked, none kept', async (t) => {
  t.equal(slimPod(watchedPod(), keep).metadata?.annotations, undefined, 'no verdict: no annotations object');
  t.equal(slimPod(watchedPod({ annotations: { [VERDICT_ANNOTATION]: 'x' } })).metadata?.annotations, undefined);
  t.equal(
    slimPod(watchedPod({ annotations: { [VERDICT_ANNOTATION]: 'x' } }), keep).metadata?.annotations?.[
      VERDICT_ANNOTATION
    ],
    'x',
  );
});

t.test('timestamps keep their form: Date from a typed list, string from a watch', async (t) => {
  const fromList = slimPod(listedPod(), keep);
  t.ok(fromList.metadata?.creationTimestamp instanceof Date);
  t.ok((fromList.status?.startTime as unknown) instanceof Date);
  const fromWatch = slimPod(watchedPod(), keep);
  t.equal(typeof fromWatch.metadata?.creationTimestamp, 'string');
  t.equal(deadlineToSet(fromList, Date.parse('2025-03-01T10:01:05Z')), 60);
  t.equal(deadlineToSet(fromWatch, Date.parse('2025-03-01T10:01:05Z')), 60);
});

t.test('the input is left as it was', async (t) => {
  const pod = watchedPod();
  const before = JSON.stringify(pod);
  slimPod(pod, keep);
  t.equal(JSON.stringify(pod), before);
});

t.test('deletion, null fields and sparse Pods', async (t) => {
  const deleting = watchedPod();
  (deleting.metadata as Record<string, unknown>).deletionTimestamp = '2025-03-01T11:00:00Z';
  t.equal(slimPod(deleting).metadata?.deletionTimestamp as unknown, '2025-03-01T11:00:00Z');
  const sparse = { metadata: { name: 'p', namespace: 'n', deletionTimestamp: null } } as unknown as V1Pod;
  t.same(slimPod(sparse), { metadata: { name: 'p', namespace: 'n' } });
  t.same(slimPod({ spec: {} } as V1Pod), { spec: { containers: [] } });
});

const decisionCases: { name: string; pod: () => V1Pod; attempts: number }[] = [
  { name: 'below the threshold', pod: () => watchedPod(), attempts: 1 },
  { name: 'crossing the threshold', pod: () => watchedPod(), attempts: 3 },
  { name: 'invalid image name', pod: () => watchedPod({ waiting: 'InvalidImageName' }), attempts: 0 },
  {
    name: 'an admission verdict',
    pod: () =>
      watchedPod({
        annotations: {
          [VERDICT_ANNOTATION]: encodeVerdict({
            outcome: 'absent',
            fieldPath: '',
            container: 'app',
            image,
            reason: 'manifest unknown',
          }),
        },
      }),
    attempts: 0,
  },
  {
    name: 'failed before, Pending again',
    pod: () => {
      const pod = watchedPod();
      pod.status?.conditions?.push({
        type: 'ImagePullFailed',
        status: 'True',
        reason: 'ImageNotFound',
        message: 'gone',
        lastTransitionTime: new Date(),
      });
      return pod;
    },
    attempts: 0,
  },
];

for (const { name, pod, attempts } of decisionCases) {
  t.test(`the controller decides alike on the whole and the slim Pod: ${name}`, async (t) => {
    const decide = (subject: V1Pod) => {
      const tracker = createAttemptTracker();
      tracker.observe(subject, 1_000);
      const events: CoreV1Event[] = [
        {
          metadata: { name: 'e1', namespace: 'team-a' },
          involvedObject: {
            kind: 'Pod',
            namespace: 'team-a',
            name: 'worker-1',
            uid: 'uid-1',
            fieldPath: 'spec.containers{app}',
          },
          reason: 'Failed',
          message: `Failed to pull image "${image}": not found`,
          count: attempts,
        },
      ];
      return {
        stuck: isStuckOnImage(subject),
        decision: decidePodFailure({
          pod: subject,
          namespace: { mode: 'enforce' },
          attempts: tracker.attemptsOf(subject, attempts > 0 ? events.map(slimEvent) : []),
          settings: { imagePullAttempts: 3, maxPullFailureSeconds: 900 },
          now: 2_000,
        }),
      };
    };
    t.same(decide(slimPod(pod(), keep)), decide(pod()));
  });
}

t.test('a slim Event keeps what the event index and the attempt count read', async (t) => {
  const event = JSON.parse(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: 'worker-1.17f',
        namespace: 'team-a',
        uid: 'ev-1',
        resourceVersion: '77',
        managedFields: [{ manager: 'kubelet', operation: 'Update', fieldsV1: {} }],
      },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: 'team-a',
        name: 'worker-1',
        uid: 'uid-1',
        resourceVersion: '4200',
        fieldPath: 'spec.containers{app}',
      },
      reason: 'Failed',
      message: `Failed to pull image "${image}": not found`,
      source: { component: 'kubelet', host: 'node-7' },
      firstTimestamp: '2025-03-01T10:00:10Z',
      lastTimestamp: '2025-03-01T10:02:10Z',
      count: 4,
      series: { count: 4, lastObservedTime: '2025-03-01T10:02:10.000000Z' },
      type: 'Warning',
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: 'node-7',
    }),
  ) as CoreV1Event;
  t.same(slimEvent(event), {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'worker-1.17f', namespace: 'team-a', uid: 'ev-1', resourceVersion: '77' },
    involvedObject: {
      kind: 'Pod',
      namespace: 'team-a',
      name: 'worker-1',
      uid: 'uid-1',
      fieldPath: 'spec.containers{app}',
    },
    reason: 'Failed',
    message: `Failed to pull image "${image}": not found`,
    firstTimestamp: '2025-03-01T10:00:10Z',
    lastTimestamp: '2025-03-01T10:02:10Z',
    count: 4,
    series: { count: 4, lastObservedTime: '2025-03-01T10:02:10.000000Z' },
    type: 'Warning',
  });
});
