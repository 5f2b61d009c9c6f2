export { compatibilityWarnings } from './compatibility.ts';
export {
  DOCKER_HUB_REGISTRY_HOST,
  isDockerHub,
  registryHost,
  registryRepository,
  repositoryScope,
} from './docker-hub.ts';
export type { ImageReference } from './image-reference.ts';
export { InvalidReferenceError, type InvalidReferenceReason } from './invalid-reference-error.ts';
export { DOCKER_HUB_DOMAIN } from './normalize.ts';
export {
  INPUT_MAX_LENGTH,
  PATH_MAX_LENGTH,
  type ParseReferenceResult,
  parseReference,
  tryParseReference,
} from './parse-reference.ts';
