/** Docker Hub normalization of ParseNormalizedNamed (`splitDockerDomain`), REGISTRY.md §1.2 steps 1–7. */

export const DOCKER_HUB_DOMAIN = 'docker.io';
const legacyDockerHubDomain = 'index.docker.io';
const officialRepositoryPrefix = 'library/';
const localhost = 'localhost';

export interface DomainSplit {
  readonly domain: string;
  /** Everything after the domain: path, tag and digest, still unparsed. */
  readonly remainder: string;
}

/** Splits the input into a domain and the rest; the result is checked by the grammar afterwards. */
export function splitDockerDomain(input: string): DomainSplit {
  const slash = input.indexOf('/');
  if (slash === -1) {
    // No slash: always Docker Hub, even `localhost:5000` (the `:5000` is then a tag).
    return { domain: DOCKER_HUB_DOMAIN, remainder: officialRepositoryPrefix + input };
  }
  const first = input.slice(0, slash);
  const rest = input.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (first === localhost) {
    domain = first;
    remainder = rest;
  } else if (first === legacyDockerHubDomain) {
    domain = DOCKER_HUB_DOMAIN;
    remainder = rest;
  } else if (first.includes('.') || first.includes(':')) {
    domain = first;
    remainder = rest;
  } else if (first.toLowerCase() !== first) {
    // Namespaces are lowercase, so an uppercase first component is taken as a host (v0.5.0 and later).
    domain = first;
    remainder = rest;
  } else {
    domain = DOCKER_HUB_DOMAIN;
    remainder = input;
  }
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes('/')) {
    remainder = officialRepositoryPrefix + remainder;
  }
  return { domain, remainder };
}
