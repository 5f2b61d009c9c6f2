import { tryParseReference } from '../reference/parse-reference.ts';
import { type CliIo, ExitCode, printLine } from './io.ts';
import { outputFormat, parseOptions } from './parse-options.ts';

export const refUsage = `Usage: pullguard ref [-o text|json] [--] IMAGE...

Prints the normalized reference the kubelet would pull for each IMAGE
(nginx -> docker.io/library/nginx:latest). Exit 1 when an image is invalid.`;

export async function refCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    printLine(io.stdout, refUsage);
    return ExitCode.ok;
  }
  const format = outputFormat(values.output);
  if (positionals.length === 0) {
    printLine(io.stderr, refUsage);
    return ExitCode.usage;
  }
  let allValid = true;
  for (const input of positionals) {
    const result = tryParseReference(input);
    if (result.ok) {
      const { domain, path, name, tag, digest, ref } = result.reference;
      if (format === 'json')
        printLine(io.stdout, JSON.stringify({ input, valid: true, domain, path, name, tag, digest, ref }));
      else printLine(io.stdout, ref);
    } else {
      allValid = false;
      if (format === 'json') printLine(io.stdout, JSON.stringify({ input, valid: false, error: result.error.message }));
      else printLine(io.stderr, `pullguard: ${result.error.message}`);
    }
  }
  return allValid ? ExitCode.ok : ExitCode.rejected;
}
