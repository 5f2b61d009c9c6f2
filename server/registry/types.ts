/**
 * Shared vocabulary of the registry client, the resolver and admission. The outcome set is closed and named
 * (DESIGN.md §3): adding one means revisiting every decision table.
 */
export type Outcome =
  | 'present'
  | 'absent'
  | 'invalid'
  | 'platform-missing'
  | 'unauthorized'
  | 'unreachable'
  | 'skipped';

export const OUTCOMES: readonly Outcome[] = [
  'present',
  'absent',
  'invalid',
  'platform-missing',
  'unauthorized',
  'unreachable',
  'skipped',
];

/** An image platform as an OCI index lists it (`os.version` as osVersion). */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string | undefined;
  readonly osVersion?: string | undefined;
}

/** What one registry host said, kept for messages: `ghcr.io answered 404 MANIFEST_UNKNOWN`. Never holds secrets. */
export interface RegistryAnswer {
  readonly host: string;
  readonly status?: number | undefined;
  readonly codes: readonly string[];
  /** Short human summary, e.g. `answered 404 MANIFEST_UNKNOWN` or `timed out after 3000 ms`. */
  readonly summary: string;
}

/** The registry client's verdict for one reference, all hosts and candidate credentials considered. */
export interface ManifestLookup {
  readonly outcome: 'present' | 'absent' | 'unauthorized' | 'unreachable';
  readonly digest?: string | undefined;
  readonly mediaType?: string | undefined;
  readonly size?: number | undefined;
  /** Present for an index/manifest list when the caller asked for platforms. Attestation entries are left out. */
  readonly platforms?: readonly Platform[] | undefined;
  /** The answer that decided the outcome (the most telling one when several hosts were tried). */
  readonly answer: RegistryAnswer;
  /** From a 429/503 `Retry-After`, so callers can back off. */
  readonly retryAfterMs?: number | undefined;
}
