export type { Config, MirrorConfig, RegistryHostConfig } from './config.ts';
export { defaultConfig, parseConfigObject, parseConfigText } from './parse-config.ts';
export { configSchema } from './schema.ts';
