/**
 * The node's runnable images and host bookkeeping, without a node: the busybox layer is a tarball GNU tar reads,
 * unpacks into a root filesystem whose shell runs (chroot), and is the same bytes every time; the image config
 * starts what it says; mount points under a root are found deepest first.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { busyboxLayer, pauseEntrypoint, runnableImageConfig, sha256 } from '../../harness/images.ts';
import { createTar } from '../../harness/images-tar.ts';
import { mountsUnder, parseMountPoints } from '../../harness/node-cleanup.ts';

const isRoot = process.getuid?.() === 0;

t.test('the busybox layer is a tarball of a root filesystem with applets as symlinks', async (t) => {
  const layer = busyboxLayer();
  t.equal(sha256(gunzipSync(layer.blob)), layer.diffId, 'diffId is the digest of the uncompressed tar');
  t.equal(busyboxLayer().blob, layer.blob, 'the same bytes every time');
  const dir = mkdtempSync(join(tmpdir(), 'pullguard-layer-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const archive = join(dir, 'layer.tar.gz');
  writeFileSync(archive, layer.blob);
  const listing = execFileSync('tar', ['-tvzf', archive], { encoding: 'utf8' });
  t.match(listing, /-rwxr-xr-x root\/root +\d+ .* bin\/busybox/);
  t.match(listing, /bin\/sh -> busybox/);
  t.match(listing, /bin\/sleep -> busybox/);
  t.match(listing, /drwxrwxrwt root\/root .* tmp\//);
});

t.test('its shell runs from the unpacked layer', { skip: isRoot ? false : 'chroot needs root' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pullguard-rootfs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('tar', ['-xzf', '-', '-C', dir], { input: busyboxLayer().blob });
  const output = execFileSync('/usr/sbin/chroot', [dir, '/bin/sh', '-c', 'echo ran as $(id -u) in $(pwd)'], {
    encoding: 'utf8',
    env: { PATH: '/bin' },
  });
  t.equal(output.trim(), 'ran as 0 in /');
});

t.test('image configs start the entrypoint or the command asked for', async (t) => {
  const layer = { diffId: 'sha256:abc' };
  const plain = runnableImageConfig(layer, {}, 'amd64') as { config: Record<string, unknown> };
  t.same(plain.config.Cmd, ['sh']);
  t.notOk('Entrypoint' in plain.config);
  const pause = runnableImageConfig(layer, { entrypoint: pauseEntrypoint }, 'arm64') as {
    architecture: string;
    config: Record<string, unknown>;
    rootfs: unknown;
  };
  t.same(pause.config.Entrypoint, pauseEntrypoint);
  t.same(pause.config.Cmd, []);
  t.equal(pause.architecture, 'arm64');
  t.same(pause.rootfs, { type: 'layers', diff_ids: ['sha256:abc'] });
});

t.test('long paths go into the ustar prefix field', async (t) => {
  const long = `${'a'.repeat(60)}/${'b'.repeat(60)}/file`;
  const tar = createTar([{ type: 'file', path: long, data: Buffer.from('x') }]);
  const listing = execFileSync('tar', ['-tf', '-'], { input: tar, encoding: 'utf8' });
  t.equal(listing.trim(), long);
});

t.test('mounts under a root, deepest and latest first', async (t) => {
  const mountinfo = [
    '22 1 8:1 / / rw - ext4 /dev/vda rw',
    '40 22 0:50 / /tmp/node-x/kubelet/root rw shared:5 - tmpfs tmpfs rw',
    '41 40 0:51 / /tmp/node-x/kubelet/root/pods/a\\040b/volumes rw - tmpfs tmpfs rw',
    '42 22 0:52 / /tmp/node-x/containerd/state/rootfs rw - overlay overlay rw',
    '43 22 0:53 / /tmp/node-xy rw - tmpfs tmpfs rw',
    '44 22 0:54 / /tmp/node-x/kubelet/root rw - tmpfs tmpfs rw',
  ].join('\n');
  const points = parseMountPoints(mountinfo);
  t.equal(points[2], '/tmp/node-x/kubelet/root/pods/a b/volumes', 'octal escapes decoded');
  t.same(mountsUnder(points, '/tmp/node-x'), [
    '/tmp/node-x/kubelet/root/pods/a b/volumes',
    '/tmp/node-x/containerd/state/rootfs',
    '/tmp/node-x/kubelet/root',
    '/tmp/node-x/kubelet/root',
  ]);
});
