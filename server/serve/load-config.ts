/**
 * The configuration `serve` runs with: the YAML file (from --config, else PULLGUARD_CONFIG, else none: every default),
 * validated by config/, then the few basics flags may override. A bad file or flag is a ConfigError naming the key.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { defaultConfig, parseConfigObject, parseConfigText } from '../config/index.ts';
import { ConfigError } from '../errors.ts';

export interface ConfigOverrides {
  readonly port?: number | undefined;
  readonly tlsCertFile?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
}

/** The file to read: the flag, else PULLGUARD_CONFIG, else none. */
export function configPathFrom(flag: string | undefined, env: Readonly<Record<string, string | undefined>>) {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.PULLGUARD_CONFIG;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

export function readConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError(`${path}: cannot read the configuration file (${code})`);
  }
  return parseConfigText(text, path);
}

export function loadServeConfig(path: string | undefined, overrides: ConfigOverrides = {}): Config {
  const base = path === undefined ? defaultConfig() : readConfigFile(path);
  return applyOverrides(base, overrides);
}

/** Flags win over the file; the result is validated again so a bad flag is reported like a bad key. */
export function applyOverrides(config: Config, overrides: ConfigOverrides): Config {
  const { port, tlsCertFile, tlsKeyFile } = overrides;
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together');
  }
  if (port === undefined && tlsCertFile === undefined) return config;
  const next = structuredClone(config) as { -readonly [K in keyof Config]: Record<string, unknown> };
  if (port !== undefined) next.server = { ...next.server, port };
  if (tlsCertFile !== undefined)
    next.tls = { ...next.tls, source: 'files', certFile: tlsCertFile, keyFile: tlsKeyFile };
  return parseConfigObject(next, 'flags');
}
