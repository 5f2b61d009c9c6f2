import t from 'tap';
import { serializeReload } from '../../../server/config/serialized-reload.ts';

/** A readOnce whose reads stay open until the test finishes them, one at a time. */
function gatedReads(changes: boolean[] = []) {
  const pending: ((changed: boolean) => void)[] = [];
  let started = 0;
  return {
    started: () => started,
    open: () => pending.length,
    readOnce: () =>
      new Promise<boolean>((resolve) => {
        started += 1;
        pending.push(resolve);
      }),
    /** Finishes the oldest open read (with the next scripted result, else false) and lets the loop move on. */
    async finish(): Promise<void> {
      const resolve = pending.shift();
      if (!resolve) throw new Error('no read in progress');
      resolve(changes.shift() ?? false);
      await new Promise((next) => setImmediate(next));
    },
  };
}

t.test('a reload with nothing running reads once and resolves what the read said', async (t) => {
  const reads = gatedReads([true]);
  const reloader = serializeReload(reads.readOnce);
  const result = reloader.reload();
  t.equal(reads.started(), 1);
  await reads.finish();
  t.equal(await result, true);
  t.equal(reads.started(), 1, 'no second read');
});

for (const triggers of [1, 2, 10]) {
  t.test(`${triggers} reload(s) during a read cause exactly one more read`, async (t) => {
    const reads = gatedReads([false, true]);
    const reloader = serializeReload(reads.readOnce);
    const first = reloader.reload();
    const during = Array.from({ length: triggers }, () => reloader.reload());
    t.equal(reads.started(), 1, 'still one read while the first runs');
    await reads.finish();
    t.equal(reads.started(), 2, 'one more read after the first');
    await reads.finish();
    t.equal(reads.started(), 2, 'and no third');
    t.equal(reads.open(), 0);
    t.same(await Promise.all([first, ...during]), Array(triggers + 1).fill(true), 'all see the change of the re-read');
  });
}

t.test('triggers during a read coalesce the same way', async (t) => {
  const reads = gatedReads();
  const reloader = serializeReload(reads.readOnce);
  for (let i = 0; i < 5; i += 1) reloader.trigger();
  t.equal(reads.started(), 1);
  await reads.finish();
  t.equal(reads.started(), 2);
  await reads.finish();
  t.equal(reads.started(), 2);
});

t.test('a reload after the loop ended starts a new read', async (t) => {
  const reads = gatedReads([true, false]);
  const reloader = serializeReload(reads.readOnce);
  const first = reloader.reload();
  await reads.finish();
  t.equal(await first, true);
  const second = reloader.reload();
  t.equal(reads.started(), 2);
  await reads.finish();
  t.equal(await second, false, 'a fresh loop reports only its own reads');
});

t.test('close drops the pending re-read and stops triggers', async (t) => {
  const reads = gatedReads([true]);
  const reloader = serializeReload(reads.readOnce);
  const first = reloader.reload();
  reloader.trigger();
  t.equal(reloader.isClosed(), false);
  reloader.close();
  t.equal(reloader.isClosed(), true);
  await reads.finish();
  t.equal(await first, true, 'the read in progress finishes');
  t.equal(reads.started(), 1, 'the re-read asked for before close does not run');
  reloader.trigger();
  t.equal(reads.started(), 1, 'a trigger after close reads nothing');
});

t.test('a read that throws rejects its callers and does not block the next reload', async (t) => {
  let calls = 0;
  const reloader = serializeReload(async () => {
    calls += 1;
    if (calls === 1) throw new Error('boom');
    return true;
  });
  await t.rejects(reloader.reload(), { message: 'boom' });
  t.equal(await reloader.reload(), true);
  t.equal(calls, 2);
});
