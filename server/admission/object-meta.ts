/** Reading `metadata` of an untrusted object. */
import { isJsonObject, readPath } from './json-shape.ts';

/** True when an ownerReference says `controller: true` (a Pod made by a ReplicaSet, Job, StatefulSet, …). */
export function isControllerOwned(object: unknown): boolean {
  const references = readPath(object, ['metadata', 'ownerReferences']);
  return Array.isArray(references) && references.some((ref) => isJsonObject(ref) && ref.controller === true);
}

/** The annotation's value when it is a string, else undefined. */
export function readAnnotation(object: unknown, key: string): string | undefined {
  const value = readPath(object, ['metadata', 'annotations', key]);
  return typeof value === 'string' ? value : undefined;
}
