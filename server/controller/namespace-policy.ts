/**
 * What an opted-in namespace asks of the controller: its `pullguard.dev/mode` label and its
 * `pullguard.dev/image-pull-attempts` override. Pure.
 */
import type { V1Namespace } from '@kubernetes/client-node';
import { IMAGE_PULL_ATTEMPTS_ANNOTATION, MODE_LABEL } from '../admission/keys.ts';

export type NamespaceMode = 'enforce' | 'warn' | 'audit';

export interface NamespacePolicy {
  readonly mode: NamespaceMode;
  /** The namespace's own imagePullAttempts, when its annotation holds a valid one. */
  readonly imagePullAttempts?: number | undefined;
  /** The annotation's value when it is present but not a whole number from 1 to 1000 (ignored, worth a log line). */
  readonly invalidAttemptsAnnotation?: string | undefined;
}

const modes: ReadonlySet<string> = new Set<NamespaceMode>(['enforce', 'warn', 'audit']);

/** The namespace's policy, or undefined when it has not opted in (no label, or a value that is not a mode). */
export function readNamespacePolicy(namespace: V1Namespace | undefined): NamespacePolicy | undefined {
  const mode = namespace?.metadata?.labels?.[MODE_LABEL];
  if (mode === undefined || !modes.has(mode)) return undefined;
  const raw = namespace?.metadata?.annotations?.[IMAGE_PULL_ATTEMPTS_ANNOTATION];
  if (raw === undefined) return { mode: mode as NamespaceMode };
  const attempts = parseAttempts(raw);
  return attempts === undefined
    ? { mode: mode as NamespaceMode, invalidAttemptsAnnotation: raw }
    : { mode: mode as NamespaceMode, imagePullAttempts: attempts };
}

function parseAttempts(raw: string): number | undefined {
  const text = raw.trim();
  if (!/^[0-9]{1,4}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 && value <= 1000 ? value : undefined;
}
