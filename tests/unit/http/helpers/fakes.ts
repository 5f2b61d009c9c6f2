/** A scripted resolver and credential source for driving the server through inject(). */
import type {
  CredentialSource,
  ImageResolution,
  ImageResolver,
  PodKeyringResult,
  ResolveRequest,
} from '../../../../server/admission/ports.ts';

/** Credentials are plain objects here, shaped like the keyring's, so a log line that held one would show it. */
export interface FakeCredential {
  readonly secret: string;
  readonly username: string;
  readonly password: string;
}

export const DIGEST = `sha256:${'a'.repeat(64)}`;

export function present(registry = 'ghcr.io'): ImageResolution {
  return { outcome: 'present', digest: DIGEST, registry, detail: `${registry} answered 200`, warnings: [] };
}

export function absent(registry = 'ghcr.io'): ImageResolution {
  return { outcome: 'absent', registry, detail: `${registry} answered 404 MANIFEST_UNKNOWN`, warnings: [] };
}

export type Script = ImageResolution | 'throw' | ((request: ResolveRequest<FakeCredential>) => ImageResolution);

export class ScriptedResolver implements ImageResolver<FakeCredential> {
  readonly requests: ResolveRequest<FakeCredential>[] = [];
  readonly #scripts = new Map<string, Script>();
  readonly #fallback: Script;

  constructor(fallback: Script = present()) {
    this.#fallback = fallback;
  }

  on(image: string, script: Script): this {
    this.#scripts.set(image, script);
    return this;
  }

  async resolve(request: ResolveRequest<FakeCredential>): Promise<ImageResolution> {
    this.requests.push(request);
    const script = this.#scripts.get(request.image) ?? this.#fallback;
    if (script === 'throw') throw new Error('resolver exploded');
    return typeof script === 'function' ? script(request) : script;
  }
}

/** Every pull secret named by the Pod becomes one credential holding `password`. */
export function credentialsWithPassword(password: string): CredentialSource<FakeCredential> {
  return {
    forPod(request): PodKeyringResult<FakeCredential> {
      const credentials = request.pullSecretNames.map((secret) => ({ secret, username: 'robot', password }));
      return { ok: true, keyring: { lookup: () => credentials } };
    },
  };
}

export const noCredentials: CredentialSource<FakeCredential> = {
  forPod: () => ({ ok: true, keyring: { lookup: () => [] } }),
};
