/** Pushes an image whose config and layers are given (not random, unlike push.ts): blobs first, then the manifest. */
import { createHash } from 'node:crypto';
import { openSession, type PushSession, pushBlob, putManifest } from './push.ts';
import type { RegistryUser } from './registry.ts';
import type { RegistryTarget } from './registry-auth.ts';
import { MEDIA_TYPES, sendRequest } from './registry-http.ts';

const userAgent = 'pullguard-harness-images';

export interface ImageBlobs {
  repository: string;
  tag: string;
  config: Buffer;
  /** Gzipped layer tarballs, lowest first. */
  layers: Buffer[];
  user?: RegistryUser | undefined;
}

async function hasBlob(session: PushSession, digest: string): Promise<boolean> {
  const response = await sendRequest({
    method: 'HEAD',
    url: `/v2/${session.repository}/blobs/${digest}`,
    baseUrl: session.registry.url,
    headers: session.headers,
    caPem: session.registry.caPem,
  });
  return response.status === 200;
}

/** Layers are large and shared between images: skip what the registry already has, and allow a slow upload. */
async function pushLayer(session: PushSession, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  if (await hasBlob(session, digest)) return { digest, size: data.length };
  return pushBlob(session, data, 30_000);
}

/** Pushes the blobs and a Docker schema 2 manifest tagged `tag`; returns the manifest's digest. */
export async function pushImageBlobs(registry: RegistryTarget, image: ImageBlobs): Promise<{ digest: string }> {
  const session = await openSession(registry, image.repository, ['pull', 'push'], image.user, userAgent);
  const config = await pushLayer(session, image.config);
  const layers = [];
  for (const layer of image.layers) layers.push(await pushLayer(session, layer));
  const { digest } = await putManifest(session, image.tag, MEDIA_TYPES.dockerManifest, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.dockerManifest,
    config: { mediaType: MEDIA_TYPES.dockerConfig, ...config },
    layers: layers.map((layer) => ({ mediaType: MEDIA_TYPES.dockerLayer, ...layer })),
  });
  return { digest };
}
