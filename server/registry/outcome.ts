/**
 * From what each host said to one verdict (REGISTRY.md §8; DESIGN.md §3). Pure. `absent` only when every attempt
 * was a definitive not-found; any attempt that could not complete makes the verdict `unreachable`; refusals
 * otherwise make it `unauthorized`. A transient failure is never called not-found.
 */

import type { HostTarget } from './hosts.ts';
import type { FoundManifest } from './manifest.ts';
import type { RegistryError } from './registry-error.ts';
import type { ManifestLookup, RegistryAnswer } from './types.ts';

export interface AttemptResult {
  readonly outcome: ManifestLookup['outcome'];
  readonly answer: RegistryAnswer;
  readonly found?: FoundManifest | undefined;
  readonly retryAfterMs?: number | undefined;
}

const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UNKNOWN']);
const DOCKER_HUB_NOTE = 'Docker Hub also answers 401 for repositories that do not exist';

export function presentResult(target: HostTarget, found: FoundManifest): AttemptResult {
  return {
    outcome: 'present',
    found,
    answer: { host: target.label, status: found.status, codes: [], summary: `found ${found.digest}` },
  };
}

export function classifyFailure(error: RegistryError, target: HostTarget, registry: string): AttemptResult {
  const answer = (summary: string): RegistryAnswer => ({
    host: target.label,
    ...(error.status === undefined ? {} : { status: error.status }),
    codes: error.codes,
    summary,
  });
  const retryAfter = error.retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(error.retryAfterMs / 1000)} s)`;
  const unreachable: AttemptResult = {
    outcome: 'unreachable',
    answer: answer(`${error.detail}${retryAfter}`),
    retryAfterMs: error.retryAfterMs,
  };
  if (error.reason === 'auth-unusable') return refusal(error, target, registry, answer);
  if (error.reason !== 'status' || error.status === undefined) return unreachable;
  const status = error.status;
  if (status === 404 && (error.phase === 'manifest' || error.phase === 'blob')) {
    const definitive = error.codes.every((code) => NOT_FOUND_CODES.has(code));
    return definitive ? { outcome: 'absent', answer: answer(error.detail) } : unreachable;
  }
  if ((status === 401 || status === 403) && !error.codes.includes('TOOMANYREQUESTS')) {
    return refusal(error, target, registry, answer);
  }
  return unreachable;
}

function refusal(
  error: RegistryError,
  target: HostTarget,
  registry: string,
  answer: (summary: string) => RegistryAnswer,
): AttemptResult {
  const notes: string[] = [];
  if (registry === 'docker.io' && target.kind === 'upstream' && error.status === 401) notes.push(DOCKER_HUB_NOTE);
  if (target.unauthorizedAs === 'absent') notes.push(`treated as not found (unauthorizedAs: absent for ${registry})`);
  const summary = notes.length === 0 ? error.detail : `${error.detail} (${notes.join('; ')})`;
  return { outcome: target.unauthorizedAs === 'absent' ? 'absent' : 'unauthorized', answer: answer(summary) };
}

/** The verdict over every attempt that did not find the manifest (at least one). */
export function combineAttempts(results: readonly AttemptResult[]): ManifestLookup {
  const pick = (outcome: AttemptResult['outcome']) => results.findLast((result) => result.outcome === outcome);
  const deciding = pick('present') ?? pick('unreachable') ?? pick('unauthorized') ?? pick('absent');
  if (deciding === undefined) throw new RangeError('combineAttempts needs at least one attempt');
  if (deciding.outcome === 'present' && deciding.found !== undefined) return toPresentLookup(deciding);
  const waits = results.map((result) => result.retryAfterMs).filter((wait): wait is number => wait !== undefined);
  return {
    outcome: deciding.outcome,
    answer: deciding.answer,
    ...(deciding.outcome === 'unreachable' && waits.length > 0 ? { retryAfterMs: Math.max(...waits) } : {}),
  };
}

export function toPresentLookup(result: AttemptResult): ManifestLookup {
  const found = result.found;
  if (found === undefined) throw new RangeError('a present attempt carries what it found');
  return {
    outcome: 'present',
    digest: found.digest,
    mediaType: found.mediaType,
    size: found.size,
    platforms: found.platforms,
    answer: result.answer,
  };
}
