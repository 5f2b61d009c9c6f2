/** Pushes an image whose config and layers are given (not random, unlike push.ts): blobs first, then the manifest. */
import { createHash } from 'node:crypto';
import type { RegistryUser } from './registry.ts';
import { authorizationHeaders, type RegistryTarget } from './registry-auth.ts';
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

interface Session {
  registry: RegistryTarget;
  repository: string;
  headers: Record<string, string>;
}

function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function failure(session: Session, what: string, status: number, body: Buffer): Error {
  const text = body.toString('utf8').slice(0, 300);
  return new Error(`${what} in ${session.repository} answered ${status}: ${text} (log: ${session.registry.logFile})`);
}

async function hasBlob(session: Session, digest: string): Promise<boolean> {
  const response = await sendRequest({
    method: 'HEAD',
    url: `/v2/${session.repository}/blobs/${digest}`,
    baseUrl: session.registry.url,
    headers: session.headers,
    caPem: session.registry.caPem,
  });
  return response.status === 200;
}

async function pushBlob(session: Session, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = digestOf(data);
  if (await hasBlob(session, digest)) return { digest, size: data.length };
  const { registry, repository, headers } = session;
  const started = await sendRequest({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/`,
    baseUrl: registry.url,
    headers,
    caPem: registry.caPem,
  });
  const location = started.header('location');
  if (started.status !== 202 || !location) throw failure(session, 'blob upload start', started.status, started.body);
  const target = new URL(location, registry.url);
  target.searchParams.set('digest', digest);
  const finished = await sendRequest({
    method: 'PUT',
    url: target.href,
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: data,
    caPem: registry.caPem,
    timeoutMs: 30_000,
  });
  if (finished.status !== 201) throw failure(session, `blob upload ${digest}`, finished.status, finished.body);
  return { digest, size: data.length };
}

/** Pushes the blobs and a Docker schema 2 manifest tagged `tag`; returns the manifest's digest. */
export async function pushImageBlobs(registry: RegistryTarget, image: ImageBlobs): Promise<{ digest: string }> {
  const auth = await authorizationHeaders(registry, image.repository, ['pull', 'push'], image.user, userAgent);
  const session: Session = { registry, repository: image.repository, headers: { 'user-agent': userAgent, ...auth } };
  const config = await pushBlob(session, image.config);
  const layers = [];
  for (const layer of image.layers) layers.push(await pushBlob(session, layer));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.dockerManifest,
      config: { mediaType: MEDIA_TYPES.dockerConfig, ...config },
      layers: layers.map((layer) => ({ mediaType: MEDIA_TYPES.dockerLayer, ...layer })),
    }),
  );
  const response = await sendRequest({
    method: 'PUT',
    url: `/v2/${image.repository}/manifests/${image.tag}`,
    baseUrl: registry.url,
    headers: { ...session.headers, 'content-type': MEDIA_TYPES.dockerManifest },
    body: manifest,
    caPem: registry.caPem,
  });
  if (response.status !== 201) throw failure(session, `manifest PUT ${image.tag}`, response.status, response.body);
  return { digest: digestOf(manifest) };
}
