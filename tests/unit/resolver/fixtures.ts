/** A registry client the test answers by hand: counts calls and concurrency, never sleeps, never touches a network. */
import type { Credential } from '../../../server/auth/keyring.ts';
import type { ManifestLookup, Platform } from '../../../server/registry/types.ts';
import { Resolver } from '../../../server/resolver/resolver.ts';
import type { ManifestClient, ManifestLookupRequest, ResolverOptions } from '../../../server/resolver/types.ts';

export interface FakeCall {
  readonly request: ManifestLookupRequest;
  settled: boolean;
  resolve(lookup: ManifestLookup): void;
  reject(error: unknown): void;
}

export class FakeClient implements ManifestClient {
  readonly calls: FakeCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** When set, answers each call at once with what it returns (undefined = leave the call pending). */
  answer: ((request: ManifestLookupRequest) => ManifestLookup | undefined) | undefined;

  lookupManifest(request: ManifestLookupRequest): Promise<ManifestLookup> {
    const { promise, resolve, reject } = Promise.withResolvers<ManifestLookup>();
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const call: FakeCall = {
      request,
      settled: false,
      resolve: (lookup) => {
        if (call.settled) return;
        call.settled = true;
        this.inFlight -= 1;
        resolve(lookup);
      },
      reject: (error) => {
        if (call.settled) return;
        call.settled = true;
        this.inFlight -= 1;
        reject(error);
      },
    };
    this.calls.push(call);
    const immediate = this.answer?.(request);
    if (immediate !== undefined) call.resolve(immediate);
    return promise;
  }

  pending(): FakeCall[] {
    return this.calls.filter((call) => !call.settled);
  }

  /** References asked for, in call order. */
  refs(): string[] {
    return this.calls.map((call) => call.request.reference.ref);
  }
}

export function present(host: string, digest: string, platforms?: readonly Platform[]): ManifestLookup {
  return {
    outcome: 'present',
    digest,
    mediaType:
      platforms === undefined
        ? 'application/vnd.oci.image.manifest.v1+json'
        : 'application/vnd.oci.image.index.v1+json',
    ...(platforms === undefined ? {} : { platforms }),
    answer: { host, status: 200, codes: [], summary: 'answered 200' },
  };
}

export function absent(host: string): ManifestLookup {
  return {
    outcome: 'absent',
    answer: { host, status: 404, codes: ['MANIFEST_UNKNOWN'], summary: 'answered 404 MANIFEST_UNKNOWN' },
  };
}

export function unauthorized(host: string): ManifestLookup {
  return {
    outcome: 'unauthorized',
    answer: { host, status: 401, codes: ['UNAUTHORIZED'], summary: 'answered 401 UNAUTHORIZED' },
  };
}

export function unreachable(host: string, retryAfterMs?: number): ManifestLookup {
  return {
    outcome: 'unreachable',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    answer:
      retryAfterMs === undefined
        ? { host, status: 503, codes: [], summary: 'answered 503' }
        : { host, status: 429, codes: ['TOOMANYREQUESTS'], summary: 'answered 429 TOOMANYREQUESTS' },
  };
}

/** Lets every pending promise callback run (one macrotask turn, not a sleep). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export const digestA = `sha256:${'a'.repeat(64)}`;
export const digestB = `sha256:${'b'.repeat(64)}`;

export interface TestResolver {
  readonly resolver: Resolver;
  readonly client: FakeClient;
  advance(ms: number): void;
  /** Deadlines handed to shared lookups, in order; abort one to make that lookup time out. */
  readonly deadlines: AbortController[];
}

export function makeResolver(options: Partial<Omit<ResolverOptions, 'client' | 'now'>> = {}): TestResolver {
  let now = 1_000_000;
  const client = new FakeClient();
  const deadlines: AbortController[] = [];
  const resolver = new Resolver({
    client,
    now: () => now,
    createDeadline: () => {
      const controller = new AbortController();
      deadlines.push(controller);
      return controller.signal;
    },
    ...options,
  });
  return {
    resolver,
    client,
    deadlines,
    advance: (ms) => {
      now += ms;
    },
  };
}

export function credential(username: string, password: string, secret = 'regcred'): Credential {
  return { username, password, source: { secret, key: 'ghcr.io' } };
}

/** A signal that never aborts, for callers with time to spare. */
export const patient = new AbortController().signal;

/** Lets pending work run until the client has seen `count` calls (bounded turns, no sleeps). */
export async function untilCalls(client: FakeClient, count: number): Promise<void> {
  for (let turn = 0; turn < 100 && client.calls.length < count; turn += 1) await settle();
  if (client.calls.length < count) throw new Error(`expected ${count} client calls, saw ${client.calls.length}`);
}
