/**
 * Resolving one reference on one host with one credential (REGISTRY.md §2.2): HEAD the manifest with the full
 * Accept list and take `Docker-Content-Digest`; on 405 or without a digest, GET it (size-capped) and hash the
 * body, checked against the header and the requested digest. An index counts as present; its platforms are read
 * (one GET) only when asked for. A digest reference that is 404 as a manifest is tried as a blob, as containerd
 * does. Anything but a found manifest is thrown as a RegistryError.
 */
import type { AuthContext, Authenticator } from './auth/authenticator.ts';
import { computeDigest, verifiableAlgorithm } from './content-digest.ts';
import { registryUrl } from './hosts.ts';
import { headerValue, stripMediaTypeParameters } from './http-headers.ts';
import { isIndexMediaType, MANIFEST_ACCEPT } from './media-types.ts';
import { listIndexPlatforms, looksLikeIndex } from './platforms.ts';
import { parseErrorCodes, RegistryError, type RequestPhase } from './registry-error.ts';
import { parseRetryAfter } from './retry-after.ts';
import type { ExchangeResult } from './transport.ts';
import type { Platform } from './types.ts';

export interface ManifestRequest {
  readonly context: AuthContext;
  /** Repository path on the host (`library/nginx`). */
  readonly repository: string;
  /** The tag, or the digest when the reference has one. */
  readonly tagOrDigest: string;
  /** Set for digest references. */
  readonly expectedDigest: string | undefined;
  readonly wantPlatforms: boolean;
  readonly maxManifestBytes: number;
}

export interface FoundManifest {
  readonly digest: string;
  readonly mediaType: string | undefined;
  readonly size: number | undefined;
  readonly platforms: readonly Platform[] | undefined;
  readonly status: number;
}

export interface ManifestFinderOptions {
  readonly authenticator: Authenticator;
  /** Wall-clock milliseconds, for Retry-After dates. */
  readonly now: () => number;
}

export class ManifestFinder {
  readonly #auth: Authenticator;
  readonly #now: () => number;

  constructor(options: ManifestFinderOptions) {
    this.#auth = options.authenticator;
    this.#now = options.now;
  }

  async find(request: ManifestRequest): Promise<FoundManifest> {
    try {
      return await this.#findManifest(request);
    } catch (error) {
      if (!(error instanceof RegistryError) || error.status !== 404 || request.expectedDigest === undefined)
        throw error;
      return this.#findBlob(request, request.expectedDigest, error);
    }
  }

  async #findManifest(request: ManifestRequest): Promise<FoundManifest> {
    const url = registryUrl(request.context.target, `${request.repository}/manifests/${request.tagOrDigest}`);
    const head = await this.#auth.send(request.context, {
      method: 'HEAD',
      url,
      phase: 'manifest',
      accept: MANIFEST_ACCEPT,
      maxBodyBytes: 0,
    });
    // 405: HEAD not supported. 404: a HEAD answer has no body, so a GET reads the registry's error code for the
    // message (MANIFEST_UNKNOWN vs NAME_UNKNOWN), and catches registries whose HEAD is wrong where GET is right.
    if (head.status === 405 || head.status === 404) return this.#getManifest(request, url);
    if (head.status !== 200) throw this.#statusError(head, 'HEAD', 'manifest');
    const digest = headerValue(head.headers, 'docker-content-digest')?.trim();
    if (digest === undefined || digest === '') return this.#getManifest(request, url);
    checkDigestShape(digest, head, 'HEAD');
    if (request.expectedDigest !== undefined && digest !== request.expectedDigest) {
      throw garbage(head, 'HEAD', `answered digest ${digest} for ${request.expectedDigest}`);
    }
    const mediaType = stripMediaTypeParameters(headerValue(head.headers, 'content-type'));
    if (request.wantPlatforms && (mediaType === undefined || isIndexMediaType(mediaType))) {
      const byDigest = registryUrl(request.context.target, `${request.repository}/manifests/${digest}`);
      return this.#getManifest({ ...request, expectedDigest: digest }, byDigest);
    }
    return { digest, mediaType, size: contentLength(head), platforms: undefined, status: head.status };
  }

  async #getManifest(request: ManifestRequest, url: URL): Promise<FoundManifest> {
    const get = await this.#auth.send(request.context, {
      method: 'GET',
      url,
      phase: 'manifest',
      accept: MANIFEST_ACCEPT,
      maxBodyBytes: request.maxManifestBytes,
    });
    if (get.status !== 200) throw this.#statusError(get, 'GET', 'manifest');
    const header = headerValue(get.headers, 'docker-content-digest')?.trim() || undefined;
    if (header !== undefined) checkDigestShape(header, get, 'GET');
    const claimed = header ?? request.expectedDigest;
    const digest = computeDigest(get.body, claimed === undefined ? 'sha256' : verifiableAlgorithm(claimed));
    if (claimed !== undefined && digest !== claimed) {
      throw garbage(get, 'GET', `sent a manifest whose digest ${digest} does not match ${claimed}`);
    }
    if (request.expectedDigest !== undefined && digest !== request.expectedDigest) {
      throw garbage(get, 'GET', `sent a manifest whose digest ${digest} does not match ${request.expectedDigest}`);
    }
    const body = parseJsonObject(get.body);
    if (body === undefined) throw garbage(get, 'GET', 'sent a manifest that is not a JSON object');
    const declared = stripMediaTypeParameters(headerValue(get.headers, 'content-type'));
    const inBody = typeof body.mediaType === 'string' ? body.mediaType : undefined;
    const mediaType = declared === undefined || declared === 'application/json' ? (inBody ?? declared) : declared;
    const isIndex = isIndexMediaType(mediaType) || looksLikeIndex(body);
    return {
      digest,
      mediaType,
      size: get.body.length,
      platforms: request.wantPlatforms && isIndex ? listIndexPlatforms(body) : undefined,
      status: get.status,
    };
  }

  /** containerd's last resort for digest references: a manifest stored as a blob resolves too. */
  async #findBlob(request: ManifestRequest, digest: string, manifestError: RegistryError): Promise<FoundManifest> {
    const url = registryUrl(request.context.target, `${request.repository}/blobs/${digest}`);
    const head = await this.#auth.send(request.context, { method: 'HEAD', url, phase: 'blob', maxBodyBytes: 0 });
    if (head.status === 404) throw manifestError;
    if (head.status !== 200) throw this.#statusError(head, 'HEAD', 'blob');
    const header = headerValue(head.headers, 'docker-content-digest')?.trim();
    if (header !== undefined && header !== '' && header !== digest) {
      throw garbage(head, 'HEAD', `answered digest ${header} for blob ${digest}`);
    }
    return { digest, mediaType: undefined, size: contentLength(head), platforms: undefined, status: head.status };
  }

  #statusError(response: ExchangeResult, method: string, phase: RequestPhase): RegistryError {
    const codes = parseErrorCodes(response.body);
    return new RegistryError({
      reason: 'status',
      method,
      url: response.url,
      phase,
      status: response.status,
      codes,
      retryAfterMs: parseRetryAfter(response.headers['retry-after'], this.#now()),
      detail: `answered ${response.status}${codes.length > 0 ? ` ${codes.join(', ')}` : ''}`,
    });
  }
}

function checkDigestShape(digest: string, response: ExchangeResult, method: string): void {
  if (verifiableAlgorithm(digest) === undefined) {
    throw garbage(response, method, `answered a Docker-Content-Digest that is not a sha256/384/512 digest`);
  }
}

function garbage(response: ExchangeResult, method: string, detail: string): RegistryError {
  return new RegistryError({
    reason: 'garbage',
    method,
    url: response.url,
    phase: 'manifest',
    status: response.status,
    detail,
  });
}

function contentLength(response: ExchangeResult): number | undefined {
  const text = headerValue(response.headers, 'content-length');
  return text !== undefined && /^[0-9]{1,15}$/.test(text) ? Number(text) : undefined;
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
