/**
 * The certificate the server currently presents. Renewal (Secret) or a file watcher (cert-manager) calls update();
 * listeners such as bindSecureContext() swap it into the running server, so no restart is needed.
 */
import { CertificateError } from './certificate-error.ts';
import { inspectTlsMaterial, isSameTlsMaterial, type TlsMaterial, type TlsMaterialInfo } from './tls-material.ts';

export type TlsChangeListener = (material: TlsMaterial, info: TlsMaterialInfo) => void;

export interface TlsContextOptions {
  /** Called when a listener throws; the other listeners still run. Default: rethrow after all have run. */
  onListenerError?: ((error: unknown) => void) | undefined;
}

export class TlsContext {
  #material: TlsMaterial;
  #info: TlsMaterialInfo;
  readonly #listeners = new Set<TlsChangeListener>();
  readonly #onListenerError: ((error: unknown) => void) | undefined;

  /** Throws CertificateError when the initial material is unusable. */
  constructor(initial: TlsMaterial, options: TlsContextOptions = {}) {
    this.#info = inspectTlsMaterial(initial);
    this.#material = { ...initial };
    this.#onListenerError = options.onListenerError;
  }

  get current(): TlsMaterial {
    return { ...this.#material };
  }

  get info(): TlsMaterialInfo {
    return { ...this.#info };
  }

  /**
   * Switches to new material and tells the listeners. Returns false (and tells nobody) when nothing changed.
   * Throws CertificateError, keeping the current material, when the new one is unusable.
   */
  update(material: TlsMaterial): boolean {
    if (isSameTlsMaterial(material, this.#material)) return false;
    const info = inspectTlsMaterial(material);
    this.#material = { ...material };
    this.#info = info;
    const errors: unknown[] = [];
    for (const listener of [...this.#listeners]) {
      try {
        listener(this.current, { ...info });
      } catch (error) {
        if (this.#onListenerError) this.#onListenerError(error);
        else errors.push(error);
      }
    }
    if (errors.length > 0) {
      throw new CertificateError('a TLS change listener failed', { cause: errors.length === 1 ? errors[0] : errors });
    }
    return true;
  }

  /** Returns a function that removes the listener. */
  onChange(listener: TlsChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}

/** Anything with Node's setSecureContext: https.Server, http2.Http2SecureServer, tls.Server (fastify's `server.server`). */
export interface SecureContextTarget {
  setSecureContext(options: { key: string; cert: string }): void;
}

/**
 * Keeps the server's certificate in step with the context: new connections get the new certificate, open ones keep
 * the old. Returns a function that stops following.
 */
export function bindSecureContext(target: SecureContextTarget, context: TlsContext): () => void {
  return context.onChange((material) => {
    target.setSecureContext({ key: material.key, cert: material.cert });
  });
}
