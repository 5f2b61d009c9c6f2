import t from 'tap';
import { PullguardError } from '../../../server/errors.ts';
import { superviseInformer } from '../../../server/kube/informer-supervisor.ts';
import { backoffDelayMs } from '../../../server/kube/informer-types.ts';
import { mergeInformers } from '../../../server/kube/merge-informers.ts';
import { FakeInformerCore, type FakeObject, recordingDelay, settle, watchError } from './helpers/fake-informer-core.ts';

const backoff = { initialMs: 100, maxMs: 800 };
const pod = (name: string, resourceVersion = '1', namespace = 'ns'): FakeObject => ({
  metadata: { namespace, name, resourceVersion },
});

function supervise(core: FakeInformerCore<FakeObject>, delay = recordingDelay()) {
  const errors: PullguardError[] = [];
  const informer = superviseInformer(core, {
    name: 'pods',
    backoff,
    delay: delay.delay,
    onError: (error) => errors.push(error),
  });
  return { informer, errors, delay };
}

t.test('backoffDelayMs doubles from initialMs and stops at maxMs', async (t) => {
  const table: [number, number][] = [
    [0, 0],
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 800],
    [200, 800],
  ];
  for (const [failures, expected] of table) t.equal(backoffDelayMs(failures, backoff), expected, `failure ${failures}`);
});

t.test('start resolves once synced; the cache is the core cache', async (t) => {
  const core = new FakeInformerCore<FakeObject>();
  const { informer } = supervise(core);
  t.equal(informer.isSynced(), false);
  core.objects.set('ns/a', pod('a'));
  await informer.start();
  t.equal(informer.isSynced(), true);
  t.equal(informer.isWatching(), true);
  t.equal(informer.restarts(), 0);
  t.equal(informer.get('ns', 'a'), core.objects.get('ns/a'), 'same object, not a copy');
  t.same(
    informer.list().map((o) => o.metadata.name),
    ['a'],
  );
  t.equal(informer.get('other', 'a'), undefined);
  await informer.start(); // a second start does not start the core again
  t.equal(core.starts, 1);
  await informer.stop();
});

t.test('failures before the first sync restart with exponential back-off', async (t) => {
  const core = new FakeInformerCore<FakeObject>([
    { error: watchError(403) },
    { error: watchError(403) },
    { error: new Error('connect ECONNREFUSED') },
    { error: watchError(500) },
    { error: watchError(500) },
    { ok: true },
  ]);
  const { informer, errors, delay } = supervise(core);
  await informer.start();
  t.same(delay.requested, [100, 200, 400, 800, 800]);
  t.equal(informer.restarts(), 5);
  t.equal(core.starts, 6);
  t.equal(errors.length, 5);
  t.ok(errors.every((error) => error.code === 'KUBE_ERROR'));
  t.equal(errors[0]?.httpStatus, 403);
  t.match(errors[0]?.message, /^informer pods failed: HTTP 403/);
  t.match(errors[2]?.message, /ECONNREFUSED/);
  t.equal(informer.lastError(), errors[4]);
  await informer.stop();
});

t.test('an error after sync restarts the watch; back-off starts again from initialMs', async (t) => {
  const core = new FakeInformerCore<FakeObject>([{ error: watchError(500) }, { ok: true }, { error: watchError(500) }]);
  const { informer, delay } = supervise(core);
  await informer.start();
  t.same(delay.requested, [100]);

  core.fail(new Error('other side closed'));
  t.equal(informer.isWatching(), false, 'not watching between the error and the restart');
  t.equal(informer.isSynced(), true, 'still synced: the cache keeps serving');
  await settle();
  t.same(delay.requested, [100, 100, 200], 'the streak restarted at initialMs');
  t.equal(core.starts, 4);
  t.equal(informer.isWatching(), true);
  t.equal(informer.restarts(), 3);
  await informer.stop();
});

t.test('a rejected core start counts as a failure', async (t) => {
  const core = new FakeInformerCore<FakeObject>();
  let calls = 0;
  const start = core.start.bind(core);
  core.start = async () => {
    calls += 1;
    if (calls === 1) throw new Error('No currently active cluster');
    await start();
  };
  const { informer, errors } = supervise(core);
  await informer.start();
  t.equal(informer.restarts(), 1);
  t.match(errors[0]?.message, /No currently active cluster/);
  await informer.stop();
});

t.test('listeners: one that throws is reported and isolated from the others and from the core', async (t) => {
  const core = new FakeInformerCore<FakeObject>();
  const { informer, errors } = supervise(core);
  await informer.start();
  const seen: string[] = [];
  informer.onAdd(() => {
    throw new Error('listener bug');
  });
  informer.onAdd((o) => seen.push(`add ${o.metadata.name}`));
  informer.onUpdate((o) => seen.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`));
  informer.onDelete((o) => seen.push(`delete ${o.metadata.name}`));

  t.doesNotThrow(() => core.emit('add', pod('a')));
  core.emit('update', pod('a', '2'));
  core.emit('delete', pod('a', '2'));
  t.same(seen, ['add a', 'update a@2', 'delete a']);
  t.equal(errors.length, 1);
  t.match(errors[0]?.message, 'informer pods: a add listener threw: listener bug');
  t.equal(informer.isWatching(), true, 'a listener failure does not restart anything');
  await informer.stop();
});

t.test('an onError that throws is ignored', async (t) => {
  const core = new FakeInformerCore<FakeObject>([{ error: watchError(403) }]);
  const informer = superviseInformer(core, {
    name: 'pods',
    backoff,
    delay: recordingDelay().delay,
    onError: () => {
      throw new Error('sink down');
    },
  });
  informer.onAdd(() => {
    throw new Error('listener bug');
  });
  await informer.start();
  t.doesNotThrow(() => core.emit('add', pod('a')));
  t.equal(informer.restarts(), 1);
  await informer.stop();
});

t.test('unsubscribe; a function subscribed twice runs twice', async (t) => {
  const core = new FakeInformerCore<FakeObject>();
  const { informer } = supervise(core);
  await informer.start();
  let calls = 0;
  const listener = () => {
    calls += 1;
  };
  const first = informer.onAdd(listener);
  const second = informer.onAdd(listener);
  core.emit('add', pod('a'));
  t.equal(calls, 2);
  first();
  core.emit('add', pod('b'));
  t.equal(calls, 3);
  second();
  core.emit('add', pod('c'));
  t.equal(calls, 3);
  await informer.stop();
});

t.test('stop: no restart, no listener calls, a pending back-off is cut short', async (t) => {
  const core = new FakeInformerCore<FakeObject>([{ ok: true }]);
  const delay = recordingDelay({ hold: true });
  const { informer, errors } = supervise(core, delay);
  await informer.start();
  let calls = 0;
  informer.onAdd(() => {
    calls += 1;
  });
  core.fail(watchError(500));
  await settle();
  t.same(delay.requested, [100], 'waiting out the back-off');
  await informer.stop();
  await settle();
  t.equal(core.starts, 1, 'not restarted after stop');
  t.equal(informer.restarts(), 0);
  t.ok(core.stops >= 1);
  core.fail(new Error('aborted'));
  core.emit('add', pod('late'));
  t.equal(calls, 0, 'no listener call after stop');
  t.equal(errors.length, 1, 'the abort a stop causes is not reported');
  await t.rejects(informer.start(), { code: 'KUBE_ERROR', message: /was stopped/ });
});

t.test('stop before the first sync rejects synced; a late core start is stopped again', async (t) => {
  const hang = Promise.withResolvers<void>();
  const core = new FakeInformerCore<FakeObject>([{ hang }]);
  const { informer } = supervise(core);
  const started = informer.start();
  await settle();
  await informer.stop();
  await t.rejects(started, { message: /stopped before it synced/ });
  await t.rejects(informer.synced);
  const stopsBefore = core.stops;
  hang.resolve(); // the ListWatch finishes its list and opens a watch after stop() …
  await settle();
  t.equal(core.stops, stopsBefore + 1, '… so the supervisor stops it once more');
  t.equal(informer.isSynced(), false);
  t.equal(informer.isWatching(), false);
});

t.test('stopping a never-started informer leaves no unhandled rejection', async (t) => {
  const { informer } = supervise(new FakeInformerCore<FakeObject>());
  await informer.stop();
  await settle();
  t.equal(informer.isSynced(), false);
});

t.test('merged informers: one view over disjoint parts', async (t) => {
  const a = new FakeInformerCore<FakeObject>();
  const b = new FakeInformerCore<FakeObject>([{ error: watchError(500) }]);
  const delay = recordingDelay();
  const merged = mergeInformers('secrets', [
    superviseInformer(a, { name: 'a', backoff, delay: delay.delay }),
    superviseInformer(b, { name: 'b', backoff, delay: delay.delay }),
  ]);
  a.objects.set('ns/x', pod('x'));
  b.objects.set('ns/y', pod('y'));
  await merged.start();
  await merged.synced;
  t.equal(merged.isSynced(), true);
  t.equal(merged.restarts(), 1);
  t.match(merged.lastError()?.message, /informer b failed/);
  t.equal(merged.get('ns', 'x'), a.objects.get('ns/x'));
  t.equal(merged.get('ns', 'y'), b.objects.get('ns/y'));
  t.equal(merged.get('ns', 'z'), undefined);
  t.same(
    merged
      .list('ns')
      .map((o) => o.metadata.name)
      .sort(),
    ['x', 'y'],
  );

  const seen: string[] = [];
  const unsubscribe = merged.onAdd((o) => seen.push(o.metadata.name));
  a.emit('add', pod('p'));
  b.emit('add', pod('q'));
  unsubscribe();
  a.emit('add', pod('r'));
  t.same(seen, ['p', 'q']);

  b.fail(watchError(500));
  t.equal(merged.isWatching(), false);
  await merged.stop();
  t.ok(a.stops >= 1 && b.stops >= 1);
  t.throws(() => mergeInformers('none', []), RangeError);
});

t.test('errors are PullguardErrors with the cause kept', async (t) => {
  const cause = watchError(403);
  const core = new FakeInformerCore<FakeObject>([{ error: cause }]);
  const { informer, errors } = supervise(core);
  await informer.start();
  t.ok(errors[0] instanceof PullguardError);
  t.equal(errors[0]?.cause, cause);
  await informer.stop();
});
