import { PullguardError, type PullguardErrorOptions } from '../errors.ts';
import { decodeDockerAuthField, decodeGoBase64 } from './go-base64.ts';
import {
  describeJsonType,
  foldGoFieldName,
  isJsonObject,
  type JsonObject,
  JsonSyntaxError,
  type JsonValue,
  parseGoJson,
} from './go-json.ts';
import { hideSecretsWhenPrinted, redactRegistryKey } from './redaction.ts';

/**
 * Decoding of image pull secrets exactly as the kubelet does it (`pkg/credentialprovider/config.go`
 * `DockerConfigEntry.UnmarshalJSON`, `secrets/secrets.go`): what it uses, what it ignores, and what makes it fail
 * every pull of the Pod.
 */

/** One registry entry of a docker config. `key` is the registry key as written in the secret. */
export interface DockerConfigEntry {
  readonly key: string;
  readonly username: string;
  readonly password: string;
}

/** A pull secret the kubelet cannot decode; it then fails the pull of every image of the Pod. */
export class PullSecretError extends PullguardError {
  readonly secret: string;

  constructor(secret: string, reason: string, options: PullguardErrorOptions = {}) {
    super('PULL_SECRET_INVALID', `image pull secret ${quoteName(secret)} cannot be decoded: ${reason}`, options);
    this.secret = secret;
  }
}

/** The fields of a Kubernetes Secret this module reads; `data` values are base64, as the API serves them. */
export interface SecretLike {
  metadata?: { name?: string };
  type?: string;
  data?: Record<string, string>;
}

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKERCFG_TYPE = 'kubernetes.io/dockercfg';
export const DOCKERCFG_KEY = '.dockercfg';

/** `{"auths": {"<registry>": {entry}}}`, the `.dockerconfigjson` format. */
export function parseDockerConfigJson(text: string, secretName: string): DockerConfigEntry[] {
  const root = parseJson(text, secretName);
  if (root === null) return [];
  if (!isJsonObject(root)) {
    throw new PullSecretError(secretName, `the document must be a JSON object, not ${describeJsonType(root)}`);
  }
  // Go fills one map; a repeated "auths" (any letter case) adds to it, and null drops it.
  let auths: Map<string, DockerConfigEntry> | null = null;
  for (const [name, value] of root.members) {
    const field = foldGoFieldName(name);
    if (field === 'auths') {
      if (value === null) {
        auths = null;
      } else if (isJsonObject(value)) {
        auths ??= new Map();
        readRegistryMap(value, auths, secretName);
      } else {
        throw new PullSecretError(secretName, `"auths" must be an object, not ${describeJsonType(value)}`);
      }
    } else if (field === 'httpheaders') {
      checkHttpHeaders(value, secretName);
    }
  }
  return auths === null ? [] : [...auths.values()];
}

/** The bare registry map, the legacy `.dockercfg` format. */
export function parseDockerCfg(text: string, secretName: string): DockerConfigEntry[] {
  const root = parseJson(text, secretName);
  if (root === null) return [];
  if (!isJsonObject(root)) {
    throw new PullSecretError(secretName, `the document must be a JSON object, not ${describeJsonType(root)}`);
  }
  const entries = new Map<string, DockerConfigEntry>();
  readRegistryMap(root, entries, secretName);
  return [...entries.values()];
}

/**
 * The entries the kubelet takes from one Secret. Null when it ignores the Secret: the type and data key must match
 * exactly (`kubernetes.io/dockerconfigjson` + `.dockerconfigjson`, or `kubernetes.io/dockercfg` + `.dockercfg`) and
 * the value must not be empty. Throws PullSecretError when the kubelet could not decode it.
 */
export function readPullSecret(secret: SecretLike): DockerConfigEntry[] | null {
  const name = secret.metadata?.name ?? '';
  const format =
    secret.type === DOCKER_CONFIG_JSON_TYPE
      ? { key: DOCKER_CONFIG_JSON_KEY, parse: parseDockerConfigJson }
      : secret.type === DOCKERCFG_TYPE
        ? { key: DOCKERCFG_KEY, parse: parseDockerCfg }
        : null;
  const data = secret.data;
  if (format === null || data === undefined || !Object.hasOwn(data, format.key)) return null;
  const encoded = data[format.key];
  if (typeof encoded !== 'string') {
    throw new PullSecretError(name, `data "${format.key}" is not a base64 string`);
  }
  const decoded = decodeGoBase64(encoded, true);
  if (!decoded.ok) throw new PullSecretError(name, `data "${format.key}" is not valid base64 (${decoded.problem})`);
  if (decoded.bytes.length === 0) return null;
  // ignoreBOM keeps a leading BOM in the text, where Go's decoder (and so ours) rejects it.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(decoded.bytes);
  return format.parse(text, name);
}

function parseJson(text: string, secretName: string): JsonValue {
  try {
    return parseGoJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new PullSecretError(secretName, `invalid JSON: ${error.message}`);
    throw error;
  }
}

function readRegistryMap(map: JsonObject, into: Map<string, DockerConfigEntry>, secretName: string): void {
  for (const [key, value] of map.members) {
    // A repeated key replaces the earlier entry (Go map semantics); Map keeps the first position.
    into.set(key, readEntry(key, value, secretName));
  }
}

/** `DockerConfigEntry.UnmarshalJSON`: username/password/email/auth only; `auth` wins when non-empty. */
function readEntry(key: string, value: JsonValue, secretName: string): DockerConfigEntry {
  const fields = { username: '', password: '', email: '', auth: '' };
  if (value !== null) {
    if (!isJsonObject(value)) {
      throw new PullSecretError(
        secretName,
        `the entry of key ${quoteKey(key)} must be an object, not ${describeJsonType(value)}`,
      );
    }
    for (const [name, fieldValue] of value.members) {
      const field = foldGoFieldName(name);
      if (field !== 'username' && field !== 'password' && field !== 'email' && field !== 'auth') continue;
      if (fieldValue === null) continue;
      if (typeof fieldValue !== 'string') {
        throw new PullSecretError(
          secretName,
          `"${field}" of key ${quoteKey(key)} must be a string, not ${describeJsonType(fieldValue)}`,
        );
      }
      fields[field] = fieldValue;
    }
  }
  if (fields.auth.length === 0) return makeEntry(key, fields.username, fields.password);
  const decoded = decodeDockerAuthField(fields.auth);
  if (!decoded.ok) {
    throw new PullSecretError(secretName, `bad base64 in "auth" of key ${quoteKey(key)} (${decoded.problem})`);
  }
  const plain = decoded.bytes.toString('utf8');
  const colon = plain.indexOf(':');
  if (colon < 0) {
    throw new PullSecretError(
      secretName,
      `"auth" of key ${quoteKey(key)} is not base64 of "username:password" (no ':')`,
    );
  }
  return makeEntry(key, plain.slice(0, colon), plain.slice(colon + 1));
}

function makeEntry(key: string, username: string, password: string): DockerConfigEntry {
  return hideSecretsWhenPrinted({ key, username, password });
}

function checkHttpHeaders(value: JsonValue, secretName: string): void {
  if (value === null) return;
  if (!isJsonObject(value)) {
    throw new PullSecretError(secretName, `"HttpHeaders" must be an object, not ${describeJsonType(value)}`);
  }
  for (const [, header] of value.members) {
    if (header !== null && typeof header !== 'string') {
      throw new PullSecretError(secretName, `"HttpHeaders" values must be strings, not ${describeJsonType(header)}`);
    }
  }
}

const QUOTE_MAX = 120;

/** A registry key for messages: userinfo redacted, length capped. */
function quoteKey(key: string): string {
  const redacted = redactRegistryKey(key);
  const shown = redacted.length > QUOTE_MAX ? `${redacted.slice(0, QUOTE_MAX)}…` : redacted;
  return JSON.stringify(shown);
}

function quoteName(name: string): string {
  if (name === '') return '(unnamed)';
  return JSON.stringify(name.length > QUOTE_MAX ? `${name.slice(0, QUOTE_MAX)}…` : name);
}
