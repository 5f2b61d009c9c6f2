/** Where a parsed reference is fetched from: Docker Hub's real host, and the quirk of an empty domain. */
import type { ImageReference } from './image-reference.ts';
import { DOCKER_HUB_DOMAIN } from './normalize.ts';

/** The host runtimes contact for `docker.io` references. */
export const DOCKER_HUB_REGISTRY_HOST = 'registry-1.docker.io';

export function isDockerHub(reference: ImageReference): boolean {
  return reference.domain === DOCKER_HUB_DOMAIN;
}

/**
 * The host the runtime contacts. An empty domain (`example_com.io/foo`, REGISTRY.md §1.2) happens only when the
 * first component looked like a host to the normalizer but not to the grammar; containerd then takes the text
 * before the first `/` as the host.
 */
export function registryHost(reference: ImageReference): string {
  if (isDockerHub(reference)) return DOCKER_HUB_REGISTRY_HOST;
  if (reference.domain === '') return firstComponent(reference.input);
  return reference.domain;
}

/**
 * The repository path on that host: the parsed path, except for the empty-domain quirk, where containerd asks
 * the host (the first component) for the rest of the path.
 */
export function registryRepository(reference: ImageReference): string {
  if (reference.domain !== '') return reference.path;
  const slash = reference.path.indexOf('/');
  return slash === -1 ? reference.path : reference.path.slice(slash + 1);
}

/** The token scope a pull of this reference asks for. */
export function repositoryScope(reference: ImageReference): string {
  return `repository:${registryRepository(reference)}:pull`;
}

function firstComponent(text: string): string {
  const slash = text.indexOf('/');
  return slash === -1 ? text : text.slice(0, slash);
}
