/**
 * Pushes images to a test registry through its HTTP API: blobs by POST + PUT ?digest=, then the manifest (or index)
 * PUT with its media type. Layers are random, so every push makes new digests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Platform } from '../../server/registry/types.ts';
import type { RegistryUser } from './registry.ts';
import { authorizationHeaders, type RegistryTarget } from './registry-auth.ts';
import { MEDIA_TYPES, sendRequest } from './registry-http.ts';

export interface PushedManifest {
  readonly repository: string;
  /** null when pushed by digest only. */
  readonly tag: string | null;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** For an index's entries: the platform it lists (`unknown/unknown` for attestation manifests). */
  readonly platform?: Platform | undefined;
}

export interface PushedIndex extends PushedManifest {
  /** The index's entries in order: platform images, then attestation manifests. */
  readonly children: PushedManifest[];
}

export interface PushImageOptions {
  repository: string;
  /** Default 'latest'; null pushes by digest only. */
  tag?: string | null | undefined;
  /** Default 'docker' (schema 2). */
  format?: 'docker' | 'oci' | undefined;
  /** Default linux/amd64. */
  platform?: Platform | undefined;
  /** Size of the random layer content before gzip (default 512). */
  layerBytes?: number | undefined;
  /** Default: the registry's first user. */
  user?: RegistryUser | undefined;
}

export interface PushIndexOptions {
  repository: string;
  tag?: string | null | undefined;
  /** 'oci' (default): an OCI index of OCI manifests; 'docker': a manifest list of schema 2 manifests. */
  format?: 'oci' | 'docker' | undefined;
  platforms: readonly Platform[];
  /** Add an attestation manifest per platform, listed as `unknown/unknown` like buildx does. */
  attestation?: boolean | undefined;
  layerBytes?: number | undefined;
  user?: RegistryUser | undefined;
}

export const PUSH_USER_AGENT = 'pullguard-harness-push';
const defaultPlatform: Platform = { os: 'linux', architecture: 'amd64' };

/** An authorized push to one repository (also used by images-push.ts for runnable images). */
export interface PushSession {
  registry: RegistryTarget;
  repository: string;
  headers: Record<string, string>;
}

type Session = PushSession;

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function failure(session: Session, what: string, status: number, body: Buffer): Error {
  const text = body.toString('utf8').slice(0, 300);
  return new Error(`${what} in ${session.repository} answered ${status}: ${text} (log: ${session.registry.logFile})`);
}

export async function openSession(
  registry: RegistryTarget,
  repository: string,
  actions: string[],
  user: RegistryUser | undefined,
  userAgent = PUSH_USER_AGENT,
): Promise<Session> {
  const auth = await authorizationHeaders(registry, repository, actions, user, userAgent);
  return { registry, repository, headers: { 'user-agent': userAgent, ...auth } };
}

export async function pushBlob(
  session: Session,
  data: Buffer,
  timeoutMs?: number,
): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
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
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  if (finished.status !== 201) throw failure(session, `blob upload ${digest}`, finished.status, finished.body);
  return { digest, size: data.length };
}

export async function putManifest(
  session: Session,
  reference: string | null,
  mediaType: string,
  manifest: unknown,
): Promise<{ digest: string; size: number }> {
  const body = Buffer.from(JSON.stringify(manifest));
  const digest = sha256(body);
  const response = await sendRequest({
    method: 'PUT',
    url: `/v2/${session.repository}/manifests/${reference ?? digest}`,
    baseUrl: session.registry.url,
    headers: { ...session.headers, 'content-type': mediaType },
    body,
    caPem: session.registry.caPem,
  });
  if (response.status !== 201)
    throw failure(session, `manifest PUT ${reference ?? digest}`, response.status, response.body);
  const answered = response.header('docker-content-digest');
  if (answered !== digest) throw new Error(`registry stored ${answered} for a manifest whose digest is ${digest}`);
  return { digest, size: body.length };
}

function platformJson(platform: Platform): Record<string, string> {
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    ...(platform.osVersion ? { 'os.version': platform.osVersion } : {}),
  };
}

async function pushImageManifest(
  session: Session,
  options: { tag: string | null; format: 'docker' | 'oci'; platform: Platform; layerBytes: number },
): Promise<PushedManifest> {
  const content = randomBytes(options.layerBytes);
  const layer = await pushBlob(session, gzipSync(content));
  const created = new Date().toISOString();
  const config = await pushBlob(
    session,
    Buffer.from(
      JSON.stringify({
        ...platformJson(options.platform),
        created,
        config: {},
        rootfs: { type: 'layers', diff_ids: [sha256(content)] },
        // A history entry per layer, as real images have: the registry needs it to convert to schema 1.
        history: [{ created, created_by: 'pullguard test layer' }],
      }),
    ),
  );
  const docker = options.format === 'docker';
  const mediaType = docker ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest;
  const stored = await putManifest(session, options.tag, mediaType, {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MEDIA_TYPES.dockerConfig : MEDIA_TYPES.ociConfig, ...config },
    layers: [{ mediaType: docker ? MEDIA_TYPES.dockerLayer : MEDIA_TYPES.ociLayer, ...layer }],
  });
  return { repository: session.repository, tag: options.tag, mediaType, ...stored, platform: options.platform };
}

// An attestation manifest as buildx pushes it: OCI, unknown platform, in-toto layer, pointing at its image.
async function pushAttestation(
  session: Session,
  subject: PushedManifest,
): Promise<PushedManifest & { attestationOf: string }> {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      subject: [{ name: session.repository, digest: { sha256: subject.digest.replace(/^sha256:/, '') } }],
    }),
  );
  const layer = await pushBlob(session, statement);
  const config = await pushBlob(
    session,
    Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers' } })),
  );
  const mediaType = MEDIA_TYPES.ociManifest;
  const stored = await putManifest(session, null, mediaType, {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: MEDIA_TYPES.ociConfig, ...config },
    layers: [
      {
        mediaType: MEDIA_TYPES.inToto,
        ...layer,
        annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
      },
    ],
  });
  const platform: Platform = { os: 'unknown', architecture: 'unknown' };
  return { repository: session.repository, tag: null, mediaType, ...stored, platform, attestationOf: subject.digest };
}

/** Pushes a single-platform image (random layer, config with os/architecture) and returns its manifest. */
export async function pushImage(registry: RegistryTarget, options: PushImageOptions): Promise<PushedManifest> {
  const session = await openSession(registry, options.repository, ['pull', 'push'], options.user);
  return pushImageManifest(session, {
    tag: options.tag === undefined ? 'latest' : options.tag,
    format: options.format ?? 'docker',
    platform: options.platform ?? defaultPlatform,
    layerBytes: options.layerBytes ?? 512,
  });
}

/** Pushes one image per platform by digest, then the index (or manifest list) naming them. */
export async function pushIndex(registry: RegistryTarget, options: PushIndexOptions): Promise<PushedIndex> {
  const session = await openSession(registry, options.repository, ['pull', 'push'], options.user);
  const format = options.format ?? 'oci';
  const images: PushedManifest[] = [];
  for (const platform of options.platforms) {
    images.push(
      await pushImageManifest(session, { tag: null, format, platform, layerBytes: options.layerBytes ?? 512 }),
    );
  }
  const attestations: (PushedManifest & { attestationOf: string })[] = [];
  if (options.attestation) {
    for (const image of images) attestations.push(await pushAttestation(session, image));
  }
  const mediaType = format === 'oci' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerManifestList;
  const tag = options.tag === undefined ? 'latest' : options.tag;
  const entries = [
    ...images.map((image) => ({
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.size,
      platform: platformJson(image.platform ?? defaultPlatform),
    })),
    ...attestations.map((attestation) => ({
      mediaType: attestation.mediaType,
      digest: attestation.digest,
      size: attestation.size,
      annotations: {
        'vnd.docker.reference.digest': attestation.attestationOf,
        'vnd.docker.reference.type': 'attestation-manifest',
      },
      platform: { architecture: 'unknown', os: 'unknown' },
    })),
  ];
  const stored = await putManifest(session, tag, mediaType, { schemaVersion: 2, mediaType, manifests: entries });
  const children = [...images, ...attestations].map(
    ({ repository, tag: childTag, digest, mediaType, size, platform }) => ({
      repository,
      tag: childTag,
      digest,
      mediaType,
      size,
      platform,
    }),
  );
  return { repository: options.repository, tag, mediaType, ...stored, children };
}

/** Deletes a manifest by digest (the registry runs with `storage.delete.enabled`); expects 202. */
export async function deleteManifest(
  registry: RegistryTarget,
  repository: string,
  digest: string,
  user?: RegistryUser,
): Promise<void> {
  const session = await openSession(registry, repository, ['delete'], user);
  const response = await sendRequest({
    method: 'DELETE',
    url: `/v2/${repository}/manifests/${digest}`,
    baseUrl: registry.url,
    headers: session.headers,
    caPem: registry.caPem,
  });
  if (response.status !== 202) throw failure(session, `manifest DELETE ${digest}`, response.status, response.body);
}
