/**
 * The verdict recorded on a controller-owned Pod admitted although it cannot run (`ownedPods: fail`), as the value
 * of the `pullguard.dev/verdict` annotation. The stuck-pull controller reads it to fail the Pod at once.
 */
import type { Outcome } from '../registry/types.ts';
import { escapeWithin } from './message-text.ts';

export type VerdictOutcome = Extract<Outcome, 'absent' | 'invalid' | 'platform-missing'> | 'pull-secret-invalid';

export interface PodVerdict {
  readonly outcome: VerdictOutcome;
  /** The field that fails, e.g. `spec.containers[0].image` or `spec.imagePullSecrets`. */
  readonly fieldPath: string;
  /** Container (or image volume) name; '' for a pull-secret verdict. */
  readonly container: string;
  /** The image as written; empty when the field is not a string. encodeVerdict escapes and cuts it. */
  readonly image: string;
  /** The registry's answer or the parser's reason, short. */
  readonly reason: string;
}

/** The annotation value: compact JSON, bounded in size whatever the inputs. */
export function encodeVerdict(verdict: PodVerdict): string {
  return JSON.stringify({
    outcome: verdict.outcome,
    fieldPath: escapeWithin(verdict.fieldPath, 200),
    container: escapeWithin(verdict.container, 253),
    image: escapeWithin(verdict.image, 200),
    reason: escapeWithin(verdict.reason, 300),
  });
}
