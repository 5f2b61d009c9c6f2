/** Fakes for the admission ports: a scripted resolver and a credential source, both recording their calls. */
import type {
  CredentialSource,
  ImageResolution,
  ImageResolver,
  PodCredentialRequest,
  PodKeyringResult,
  ResolveRequest,
} from '../../../../server/admission/ports.ts';

/** Credentials are plain strings here: `<secret>@<image name>`. */
export type FakeCredential = string;

export type Script =
  | ImageResolution
  | 'hang'
  | 'throw'
  | ((request: ResolveRequest<FakeCredential>) => ImageResolution);

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;
export const DIGEST_C = `sha256:${'c'.repeat(64)}`;

export function present(registry: string, digest = DIGEST_A): ImageResolution {
  return { outcome: 'present', digest, registry, detail: `${registry} answered 200`, warnings: [] };
}

export function absent(registry: string): ImageResolution {
  return { outcome: 'absent', registry, detail: `${registry} answered 404 MANIFEST_UNKNOWN`, warnings: [] };
}

export function outcomeOf(outcome: ImageResolution['outcome'], registry: string, detail: string): ImageResolution {
  return { outcome, registry, detail, warnings: [] };
}

export class FakeResolver implements ImageResolver<FakeCredential> {
  readonly requests: ResolveRequest<FakeCredential>[] = [];
  readonly scripts = new Map<string, Script>();
  fallback: Script;

  constructor(fallback: Script = present('registry.example')) {
    this.fallback = fallback;
  }

  on(image: string, script: Script): this {
    this.scripts.set(image, script);
    return this;
  }

  async resolve(request: ResolveRequest<FakeCredential>): Promise<ImageResolution> {
    this.requests.push(request);
    const script = this.scripts.get(request.image) ?? this.fallback;
    if (script === 'throw') throw new Error('resolver exploded');
    if (script === 'hang') {
      // Never settles by itself: only the review's deadline ends it.
      return new Promise(() => {});
    }
    return typeof script === 'function' ? script(request) : script;
  }

  images(): string[] {
    return this.requests.map((request) => request.image);
  }
}

export class FakeCredentials implements CredentialSource<FakeCredential> {
  readonly requests: PodCredentialRequest[] = [];
  result: PodKeyringResult<FakeCredential> | 'hang' | undefined;

  constructor(result?: PodKeyringResult<FakeCredential> | 'hang') {
    this.result = result;
  }

  forPod(request: PodCredentialRequest): PodKeyringResult<FakeCredential> | Promise<PodKeyringResult<FakeCredential>> {
    this.requests.push(request);
    if (this.result === 'hang') return new Promise(() => {});
    if (this.result !== undefined) return this.result;
    const secrets = [
      ...request.pullSecretNames,
      ...(request.includeServiceAccountSecrets ? [`sa:${request.serviceAccountName}`] : []),
    ];
    return { ok: true, keyring: { lookup: (name) => secrets.map((secret) => `${secret}@${name}`) } };
  }
}

/**
 * A FakeResolver with a cache: `peek` answers (as `resolve` would) for the images marked cached, and records what
 * it was asked; `peek` of an image marked 'throw' throws.
 */
export class CachingFakeResolver extends FakeResolver {
  readonly peeks: Omit<ResolveRequest<FakeCredential>, 'signal'>[] = [];
  readonly cached = new Set<string>();

  cache(...images: string[]): this {
    for (const image of images) this.cached.add(image);
    return this;
  }

  peek(request: Omit<ResolveRequest<FakeCredential>, 'signal'>): ImageResolution | undefined {
    this.peeks.push(request);
    if (!this.cached.has(request.image)) return undefined;
    const script = this.scripts.get(request.image) ?? this.fallback;
    if (script === 'throw') throw new Error('peek exploded');
    if (script === 'hang') return undefined;
    return typeof script === 'function' ? script({ ...request, signal: new AbortController().signal }) : script;
  }
}
