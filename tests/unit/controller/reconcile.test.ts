import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import t from 'tap';
import { createAttemptTracker } from '../../../server/controller/attempts.ts';
import type { PodTarget, PodWriter, WriteResult } from '../../../server/controller/pod-writer.ts';
import {
  type ControllerAction,
  createReconciler,
  deadlineToSet,
  isStuckOnImage,
} from '../../../server/controller/reconcile.ts';
import { makeNamespace, makePod, pullFailed, running, waiting } from './fixtures.ts';

const now = Date.parse('2025-01-01T01:00:00Z');

interface Write {
  op: string;
  target: PodTarget;
  detail?: unknown;
}

function setup(
  options: {
    pod?: V1Pod | undefined;
    events?: CoreV1Event[];
    labels?: Record<string, string>;
    action?: ControllerAction;
    statusOutcome?: WriteResult['outcome'] | Error;
  } = {},
) {
  const writes: Write[] = [];
  const failed: [string, number][] = [];
  const stuckCounts: number[] = [];
  const writer: PodWriter = {
    async failStatus(target, condition) {
      if (options.statusOutcome instanceof Error) throw options.statusOutcome;
      writes.push({ op: 'status', target, detail: condition });
      const outcome = options.statusOutcome ?? 'written';
      return outcome === 'written' ? { outcome, resourceVersion: '2' } : { outcome };
    },
    async lowerActiveDeadline(target, seconds) {
      writes.push({ op: 'deadline', target, detail: seconds });
      return { outcome: 'written', resourceVersion: '3' };
    },
    async recordWarning(target, reason, message) {
      writes.push({ op: 'event', target, detail: { reason, message } });
    },
    async deletePod(target) {
      writes.push({ op: 'delete', target });
      return { outcome: 'written', resourceVersion: undefined };
    },
  };
  const state = {
    pod: options.pod,
    settings: { imagePullAttempts: 3, maxPullFailureSeconds: 900, action: options.action ?? 'fail' },
  };
  const reconciler = createReconciler({
    getPod: () => state.pod,
    getNamespace: () => makeNamespace(options.labels ?? { 'pullguard.dev/mode': 'enforce' }),
    eventsFor: () => options.events ?? [],
    tracker: createAttemptTracker(),
    writer,
    logger: pino({ level: 'silent' }),
    hooks: {
      onPodFailed: (reason, seconds) => failed.push([reason, seconds]),
      setStuckPods: (count) => stuckCounts.push(count),
    },
    settings: () => state.settings,
    now: () => now,
  });
  return { reconciler, writes, failed, stuckCounts, state };
}

const signal = new AbortController().signal;
const image = 'registry.example/app:v1';
const threePulls = [
  pullFailed(image, 'rpc error: code = NotFound desc = not found', 3, { first: '2025-01-01T00:50:00Z' }),
];

t.test(
  'fail: one status patch on the cached version, the deadline for a bound Pod, an Event, the metric',
  async (t) => {
    const pod = makePod({ nodeName: 'node-1' });
    if (pod.status) pod.status.startTime = new Date(now - 125_500);
    const { reconciler, writes, failed, stuckCounts } = setup({ pod, events: threePulls });
    t.same(await reconciler.reconcile('ns/p', signal), { kind: 'done' });
    t.same(
      writes.map((write) => write.op),
      ['status', 'deadline', 'event'],
    );
    t.match(writes[0], {
      target: { namespace: 'ns', name: 'p', uid: 'uid-1', resourceVersion: '1' },
      detail: { reason: 'ImageNotFound', transitionAt: new Date(now) },
    });
    t.equal(writes[1]?.detail, 125);
    t.equal(
      writes[1]?.target.resourceVersion,
      '2',
      'the deadline patch is guarded by the version the status patch made',
    );
    t.match(writes[2]?.detail, { reason: 'ImageNotFound', message: /3 failed pulls/ });
    t.same(failed, [['ImageNotFound', 600]]);
    t.same(stuckCounts, [1, 0], 'stuck while waiting, not once failed');
  },
);

t.test('an unbound Pod gets no deadline patch', async (t) => {
  const { reconciler, writes } = setup({ pod: makePod(), events: threePulls });
  await reconciler.reconcile('ns/p', signal);
  t.same(
    writes.map((write) => write.op),
    ['status', 'event'],
  );
});

t.test('below the threshold nothing is written', async (t) => {
  const { reconciler, writes, failed } = setup({ pod: makePod(), events: [pullFailed(image, 'not found', 2)] });
  t.same(await reconciler.reconcile('ns/p', signal), { kind: 'done' });
  t.same(writes, []);
  t.same(failed, []);
});

t.test('a namespace without the label is never touched', async (t) => {
  const { reconciler, writes, stuckCounts } = setup({ pod: makePod(), events: threePulls, labels: {} });
  await reconciler.reconcile('ns/p', signal);
  t.same(writes, []);
  t.same(stuckCounts, [], 'not counted as stuck either');
});

t.test('a conflict is retried, nothing else is written', async (t) => {
  const { reconciler, writes, failed } = setup({ pod: makePod(), events: threePulls, statusOutcome: 'conflict' });
  const result = await reconciler.reconcile('ns/p', signal);
  t.equal(result.kind, 'retry');
  t.same(
    writes.map((write) => write.op),
    ['status'],
    'no deadline, Event or delete after a refused status patch',
  );
  t.same(failed, []);
});

t.test('an API error is retried; a vanished Pod is done', async (t) => {
  const failing = setup({ pod: makePod(), events: threePulls, statusOutcome: new Error('socket hang up') });
  const result = await failing.reconciler.reconcile('ns/p', signal);
  t.match(result, { kind: 'retry', error: { code: 'KUBE_ERROR', message: /socket hang up/ } });
  const gone = setup({ pod: makePod(), events: threePulls, statusOutcome: 'gone' });
  t.same(await gone.reconciler.reconcile('ns/p', signal), { kind: 'done' });
  t.same(
    gone.writes.map((write) => write.op),
    ['status'],
  );
});

t.test('a key whose Pod left the cache is done', async (t) => {
  const { reconciler, writes } = setup({ pod: undefined });
  t.same(await reconciler.reconcile('ns/p', signal), { kind: 'done' });
  t.same(writes, []);
});

t.test('after leadership is lost nothing is written', async (t) => {
  const { reconciler, writes } = setup({ pod: makePod(), events: threePulls });
  t.same(await reconciler.reconcile('ns/p', AbortSignal.abort()), { kind: 'done' });
  t.same(writes, []);
});

t.test('fail-and-delete deletes after failing', async (t) => {
  const { reconciler, writes } = setup({ pod: makePod(), events: threePulls, action: 'fail-and-delete' });
  await reconciler.reconcile('ns/p', signal);
  t.same(
    writes.map((write) => write.op),
    ['status', 'event', 'delete'],
  );
});

t.test('report: one Event and one count per Pod, no change to the Pod', async (t) => {
  const { reconciler, writes, failed } = setup({ pod: makePod(), events: threePulls, action: 'report' });
  await reconciler.reconcile('ns/p', signal);
  await reconciler.reconcile('ns/p', signal);
  t.same(
    writes.map((write) => write.op),
    ['event'],
  );
  t.same(failed.length, 1);
  reconciler.forgetPod('ns/p', 'uid-1');
  await reconciler.reconcile('ns/p', signal);
  t.equal(writes.length, 2, 'a forgotten Pod is reported again');
});

t.test('an audit namespace is acted on like the others (its mode is about admission)', async (t) => {
  const { reconciler, writes } = setup({
    pod: makePod(),
    events: threePulls,
    labels: { 'pullguard.dev/mode': 'audit' },
  });
  await reconciler.reconcile('ns/p', signal);
  t.equal(writes[0]?.op, 'status', 'the Pod is failed');
  t.equal(writes.at(-1)?.op, 'event');
});

t.test('failed again: no new transition time, not counted twice', async (t) => {
  const pod = makePod({
    containers: [{ state: waiting('ImagePullBackOff') }],
    conditions: [{ type: 'ImagePullFailed', status: 'True', reason: 'ImageNotFound', message: 'before' }],
  });
  const { reconciler, writes, failed } = setup({ pod });
  await reconciler.reconcile('ns/p', signal);
  t.match(writes[0], { op: 'status', detail: { reason: 'ImageNotFound', message: 'before', transitionAt: undefined } });
  t.same(failed, []);
});

t.test('a settings change applies at the next reconcile', async (t) => {
  const { reconciler, writes, state } = setup({ pod: makePod(), events: [pullFailed(image, 'not found', 2)] });
  await reconciler.reconcile('ns/p', signal);
  t.same(writes, []);
  state.settings = { ...state.settings, imagePullAttempts: 2 };
  await reconciler.reconcile('ns/p', signal);
  t.equal(writes[0]?.op, 'status');
});

t.test('an auth failure inside its grace is requeued for when the grace ends', async (t) => {
  const events = [
    pullFailed(image, '401 Unauthorized', 3, { first: '2025-01-01T00:55:00Z', last: '2025-01-01T00:59:00Z' }),
  ];
  const { reconciler, writes } = setup({
    pod: makePod({ containers: [{ state: waiting('ImagePullBackOff') }] }),
    events,
  });
  t.same(await reconciler.reconcile('ns/p', signal), { kind: 'requeue', afterMs: 600_000 });
  t.same(writes, []);
});

t.test('deadlineToSet: elapsed whole seconds since startTime, at least 1, only ever lower', async (t) => {
  const started = (ms: number | undefined, current?: number) => {
    const pod = makePod({ nodeName: 'n' });
    if (pod.status && ms !== undefined) pod.status.startTime = new Date(now - ms);
    if (pod.spec && current !== undefined) pod.spec.activeDeadlineSeconds = current;
    return pod;
  };
  const table: [number | undefined, number | undefined, number | undefined][] = [
    [90_900, undefined, 90],
    [200, undefined, 1],
    [undefined, undefined, 1],
    [90_000, 3600, 90],
    [90_000, 60, undefined],
    [90_000, 90, undefined],
  ];
  for (const [elapsed, current, want] of table) {
    t.equal(deadlineToSet(started(elapsed, current), now), want, `elapsed ${elapsed} current ${current}`);
  }
});

t.test('isStuckOnImage', async (t) => {
  t.ok(isStuckOnImage(makePod()));
  t.notOk(isStuckOnImage(makePod({ containers: [{ state: waiting('ContainerCreating') }] })));
  t.notOk(isStuckOnImage(makePod({ containers: [{ state: running }] })));
  t.notOk(isStuckOnImage(makePod({ deleting: true })));
});
