/** ReviewDeps wired with fakes, for handler tests. */
import { DEFAULT_ADMISSION_POLICY } from '../../../../server/admission/policy.ts';
import type { ReviewDeps, ReviewRecord } from '../../../../server/admission/review-handler.ts';
import { type FakeCredential, FakeCredentials, FakeResolver, present } from './fakes.ts';

export interface Harness {
  deps: ReviewDeps<FakeCredential>;
  resolver: FakeResolver;
  credentials: FakeCredentials;
  records: ReviewRecord[];
}

export function makeHarness(overrides: Partial<ReviewDeps<FakeCredential>> = {}): Harness {
  const resolver = new FakeResolver(present('ghcr.io'));
  const credentials = new FakeCredentials();
  const records: ReviewRecord[] = [];
  const deps: ReviewDeps<FakeCredential> = {
    resolver,
    credentials,
    policy: DEFAULT_ADMISSION_POLICY,
    clusterPlatforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    deadlineMs: 5000,
    onReview: (record) => records.push(record),
    ...overrides,
  };
  return { deps, resolver, credentials, records };
}
