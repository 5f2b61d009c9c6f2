import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { parseConfigText } from '../config/index.ts';
import { UsageError } from '../errors.ts';

/** Reads and validates a configuration file named on the command line. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${JSON.stringify(file)}: ${(error as Error).message}`);
  }
  return parseConfigText(text, file);
}
