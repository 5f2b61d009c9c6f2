/** AdmissionReview fixtures from tests/fixtures/admission, each load a fresh clone (tests may change it freely). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../harness/paths.ts';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely by tests, like raw JSON.
export type Review = any;

export function loadReview(name: string): Review {
  return JSON.parse(readFileSync(join(repoRoot, 'tests', 'fixtures', 'admission', `${name}.json`), 'utf8'));
}
