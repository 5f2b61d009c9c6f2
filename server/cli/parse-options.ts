import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict option parsing for the subcommands: unknown options are usage errors, and everything after `--` is data
 * (an image named `-foo` is then just an invalid image).
 */
export function parseOptions<T extends Options>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function outputFormat(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UsageError(`-o must be "text" or "json", not ${JSON.stringify(value)}`);
}
