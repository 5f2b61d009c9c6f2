import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { watchFileChanges } from '../../../server/config/watch-file-changes.ts';
import { eventually } from '../../harness/eventually.ts';
import { tempDir } from '../../harness/paths.ts';

function freshDir(t: Pick<typeof import('tap').default, 'teardown'>): string {
  const dir = tempDir('watch-file-changes');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('polling calls onChange without any file event, until stopped', async (t) => {
  const dir = freshDir(t);
  let calls = 0;
  const stop = watchFileChanges([join(dir, 'a')], () => calls++, { pollIntervalMs: 10, useFsWatch: false });
  await eventually(() => (calls >= 3 ? true : undefined), { description: 'three polls' });
  stop();
  const afterStop = calls;
  // A second watcher with the same interval measures time passing: three of its polls, none of the stopped one.
  let witness = 0;
  const stopWitness = watchFileChanges([join(dir, 'a')], () => witness++, { pollIntervalMs: 10, useFsWatch: false });
  t.teardown(stopWitness);
  await eventually(() => (witness >= 3 ? true : undefined), { description: 'three polls of the witness' });
  t.equal(calls, afterStop, 'no call after stop');
});

t.test('a write in a watched directory calls onChange before any poll', async (t) => {
  const dir = freshDir(t);
  let calls = 0;
  const stop = watchFileChanges([join(dir, 'config.yaml')], () => calls++, { pollIntervalMs: 3_600_000 });
  t.teardown(stop);
  writeFileSync(join(dir, 'config.yaml'), 'a: 1\n');
  await eventually(() => (calls > 0 ? true : undefined), { description: 'the fs.watch event' });
  t.pass('seen');
});

t.test('files in the same directory share one watch; a missing directory falls back to polling', async (t) => {
  const dir = freshDir(t);
  let calls = 0;
  const stop = watchFileChanges(
    [join(dir, 'tls.crt'), join(dir, 'tls.key'), join(dir, 'absent', 'ca.crt')],
    () => calls++,
    { pollIntervalMs: 3_600_000 },
  );
  t.teardown(stop);
  writeFileSync(join(dir, 'tls.crt'), 'x');
  await eventually(() => (calls > 0 ? true : undefined), { description: 'the fs.watch event' });
  t.pass('a directory that cannot be watched does not throw');
});
