/** Manifest media types (REGISTRY.md §2.2). */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/**
 * containerd's list, in its order. Without the OCI index type a registry answers 404 for an OCI index; without
 * any, docker-registry converts schema 2 to schema 1 and answers another digest.
 */
export const MANIFEST_ACCEPT = [DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX, '*/*'].join(', ');

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}
