/**
 * Reads the admission verdict (`pullguard.dev/verdict`, written by the mutating webhook on a controller-owned Pod
 * admitted although one of its images certainly cannot be pulled; encoded by server/admission/verdict.ts). A value
 * that does not decode is ignored: only a well-formed verdict fails a Pod at once. Pure.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { VERDICT_ANNOTATION } from '../admission/keys.ts';
import type { PodVerdict, VerdictOutcome } from '../admission/verdict.ts';

const outcomes: ReadonlySet<string> = new Set<VerdictOutcome>([
  'absent',
  'invalid',
  'platform-missing',
  'pull-secret-invalid',
]);

export function readVerdict(pod: V1Pod): PodVerdict | undefined {
  const raw = pod.metadata?.annotations?.[VERDICT_ANNOTATION];
  if (raw === undefined || raw.length > 4096) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  const outcome = text('outcome');
  if (outcome === undefined || !outcomes.has(outcome)) return undefined;
  return {
    outcome: outcome as VerdictOutcome,
    fieldPath: text('fieldPath') ?? '',
    container: text('container') ?? '',
    image: text('image') ?? '',
    reason: text('reason') ?? '',
  };
}
