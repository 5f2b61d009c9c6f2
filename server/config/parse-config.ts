import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Config } from './config.ts';
import { configSchema } from './schema.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(configSchema);

/** `/admission/ownedPods` → `admission.ownedPods`; array indexes as `[0]`. */
function keyPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra) parts.push(extra);
  let path = '';
  for (const raw of parts) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(part)) path += `[${part}]`;
    else path += path === '' ? part : `.${part}`;
  }
  return path === '' ? '(top level)' : path;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `${keyPath(error.instancePath, String(params.additionalProperty))}: unknown key`;
  }
  if (error.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    return `${keyPath(error.instancePath)}: must be one of ${allowed}`;
  }
  return `${keyPath(error.instancePath)}: ${error.message ?? 'is invalid'}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Validates a parsed configuration object, filling defaults; throws ConfigError naming every bad key. */
export function parseConfigObject(input: unknown, source = 'configuration'): Config {
  const value: unknown = input === null || input === undefined ? {} : structuredClone(input);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${source}: the top level must be a mapping of keys`);
  }
  if (!validate(value)) {
    const problems = [...new Set((validate.errors ?? []).map(describe))];
    throw new ConfigError(`${source}: ${problems.join('; ')}`);
  }
  const config = value as Config;
  if (config.tls.source === 'files' && (!config.tls.certFile || !config.tls.keyFile)) {
    throw new ConfigError(`${source}: tls.certFile and tls.keyFile are required when tls.source is "files"`);
  }
  return deepFreeze(config);
}

/** Parses the YAML (or JSON) text of a configuration file. */
export function parseConfigText(text: string, source = 'configuration'): Config {
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  return parseConfigObject(parsed, source);
}

/** The configuration with every default, as if the file were empty. */
export function defaultConfig(): Config {
  return parseConfigObject({});
}
