/**
 * Runnable images for the real node, without Docker Hub: one layer made from Debian's busybox-static (the binary and
 * its applets as symlinks), pushed through the registry API with a config whose Entrypoint/Cmd work. A "pause"
 * image (a shell that sleeps until SIGTERM) serves as containerd's sandbox image.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { pushImageBlobs } from './images-push.ts';
import { createTar, type TarEntry } from './images-tar.ts';
import { ensureDebianPackage } from './install.ts';
import type { RegistryUser } from './registry.ts';
import type { RegistryTarget } from './registry-auth.ts';

export const busyboxPath = '/bin/busybox';

const applets = ['sh', 'sleep', 'true', 'false', 'echo', 'cat', 'ls', 'env', 'id', 'date', 'ps', 'kill', 'test'];

export interface ImageLayer {
  /** The gzipped tar: the blob pushed to the registry. */
  readonly blob: Buffer;
  /** sha256 of the uncompressed tar (the config's rootfs.diff_ids). */
  readonly diffId: string;
}

export interface RunnableImageOptions {
  repository: string;
  /** Default 'latest'. */
  tag?: string | undefined;
  entrypoint?: string[] | undefined;
  /** Default `["sh"]`. */
  cmd?: string[] | undefined;
  /** Written into the config's labels: lets a test make a distinct digest from the same layer. */
  labels?: Record<string, string> | undefined;
  user?: RegistryUser | undefined;
}

export interface PushedRunnableImage {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** `HOST/REPOSITORY:TAG`, what a Pod names. */
  readonly reference: string;
}

/** The pause process: PID 1 of the sandbox, exits 0 on SIGTERM (PID 1 ignores signals it has no handler for). */
export const pauseEntrypoint = ['/bin/sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The Go architecture name of this machine, as image configs spell it. */
export function imageArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
  const name = names[arch];
  if (!name) throw new Error(`no image architecture for ${arch}`);
  return name;
}

/** The tar entries of the busybox root filesystem, given the busybox binary. Pure. */
export function busyboxEntries(busybox: Buffer): TarEntry[] {
  return [
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    ...applets.map((name): TarEntry => ({ type: 'symlink', path: `bin/${name}`, target: 'busybox' })),
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'etc' },
    { type: 'file', path: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/:/bin/sh\n') },
    { type: 'file', path: 'etc/group', data: Buffer.from('root:x:0:\n') },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
  ];
}

let cachedLayer: ImageLayer | undefined;

/** The busybox layer (installs busybox-static when missing); the same bytes every time on one machine. */
export function busyboxLayer(): ImageLayer {
  if (cachedLayer) return cachedLayer;
  ensureDebianPackage(busyboxPath, 'busybox-static');
  const tar = createTar(busyboxEntries(readFileSync(busyboxPath)));
  cachedLayer = { blob: gzipSync(tar, { level: 6 }), diffId: sha256(tar) };
  return cachedLayer;
}

/** The image config for one layer. Pure. */
export function runnableImageConfig(
  layer: Pick<ImageLayer, 'diffId'>,
  options: Pick<RunnableImageOptions, 'entrypoint' | 'cmd' | 'labels'>,
  architecture = imageArchitecture(),
): Record<string, unknown> {
  const created = '2000-01-01T00:00:00Z';
  return {
    architecture,
    os: 'linux',
    created,
    config: {
      Env: ['PATH=/bin'],
      WorkingDir: '/',
      ...(options.entrypoint ? { Entrypoint: options.entrypoint } : {}),
      Cmd: options.cmd ?? (options.entrypoint ? [] : ['sh']),
      ...(options.labels ? { Labels: options.labels } : {}),
    },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, created_by: 'pullguard test harness: busybox-static' }],
  };
}

/** Pushes a runnable busybox image (schema 2 manifest) and returns its reference. */
export async function pushRunnableImage(
  registry: RegistryTarget & { host: string },
  options: RunnableImageOptions,
): Promise<PushedRunnableImage> {
  const layer = busyboxLayer();
  const tag = options.tag ?? 'latest';
  const config = Buffer.from(JSON.stringify(runnableImageConfig(layer, options)));
  const { digest } = await pushImageBlobs(registry, {
    repository: options.repository,
    tag,
    config,
    layers: [layer.blob],
    user: options.user,
  });
  return { repository: options.repository, tag, digest, reference: `${registry.host}/${options.repository}:${tag}` };
}

/** Pushes the sandbox image containerd starts first in every Pod. */
export function pushPauseImage(
  registry: RegistryTarget & { host: string },
  options: { repository?: string | undefined; tag?: string | undefined } = {},
): Promise<PushedRunnableImage> {
  return pushRunnableImage(registry, {
    repository: options.repository ?? 'pullguard/pause',
    tag: options.tag ?? '3.10',
    entrypoint: pauseEntrypoint,
  });
}
