/** In-memory SecretApi with hooks to play the other replica at the worst moment. */
import type { SecretApi, SecretData, SecretWriteResult, StoredSecret } from '../../../server/certs/secret-api.ts';

type Key = string;

export interface FakeSecretApiHooks {
  /** Runs before a create takes effect (e.g. another replica creates the Secret first). */
  beforeCreate?: (() => void) | undefined;
  /** Runs before a replace takes effect (e.g. another replica replaces it first). */
  beforeReplace?: (() => void) | undefined;
}

export class FakeSecretApi implements SecretApi {
  readonly secrets = new Map<Key, StoredSecret>();
  readonly calls: string[] = [];
  hooks: FakeSecretApiHooks = {};
  #version = 100;

  async read(namespace: string, name: string): Promise<StoredSecret | undefined> {
    this.calls.push('read');
    const secret = this.secrets.get(`${namespace}/${name}`);
    return secret && { data: { ...secret.data }, resourceVersion: secret.resourceVersion };
  }

  async create(namespace: string, name: string, data: SecretData): Promise<SecretWriteResult> {
    this.calls.push('create');
    const hook = this.hooks.beforeCreate;
    this.hooks.beforeCreate = undefined;
    hook?.();
    if (this.secrets.has(`${namespace}/${name}`)) return { outcome: 'conflict' };
    return { outcome: 'written', secret: this.put(namespace, name, data) };
  }

  async replace(
    namespace: string,
    name: string,
    data: SecretData,
    resourceVersion: string,
  ): Promise<SecretWriteResult> {
    this.calls.push('replace');
    const hook = this.hooks.beforeReplace;
    this.hooks.beforeReplace = undefined;
    hook?.();
    const current = this.secrets.get(`${namespace}/${name}`);
    if (!current || current.resourceVersion !== resourceVersion) return { outcome: 'conflict' };
    return { outcome: 'written', secret: this.put(namespace, name, data) };
  }

  /** What the other replica (or an admin) does directly. */
  put(namespace: string, name: string, data: SecretData): StoredSecret {
    const secret = { data: { ...data }, resourceVersion: String(++this.#version) };
    this.secrets.set(`${namespace}/${name}`, secret);
    return secret;
  }
}
