import { ConfigError, PullguardError, UsageError } from '../errors.ts';
import { type CliIo, type Command, ExitCode, printLine } from './io.ts';
import { refCommand } from './ref.ts';

export const usage = `Usage: pullguard <command> [options]

Commands:
  ref IMAGE...            print the normalized reference the kubelet would pull
  check IMAGE... | -f F   resolve images (or every image of a manifest file) as admission would
  explain IMAGE           show the credentials the kubelet would try and the registry's verdict
  certs --out DIR         write a CA and a serving certificate for local use
  serve                   run the admission webhook server and the stuck-pull controller

Run 'pullguard <command> --help' for a command's options.`;

/** Subcommands load lazily: `pullguard ref` must not pay for the server's imports. */
const commands: Record<string, () => Promise<Command>> = {
  ref: async () => refCommand,
  check: async () => (await import('./check.ts')).checkCommand,
  serve: async () => (await import('./serve.ts')).serveCommand,
  explain: async () => (await import('./explain.ts')).explainCommand,
  certs: async () => (await import('./certs.ts')).certsCommand,
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printLine(name === undefined ? io.stderr : io.stdout, usage);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const load = commands[name];
  if (!load) {
    printLine(io.stderr, `pullguard: unknown command ${JSON.stringify(name)}\n\n${usage}`);
    return ExitCode.usage;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      printLine(io.stderr, `pullguard ${name}: ${error.message} (see 'pullguard ${name} --help')`);
      return ExitCode.usage;
    }
    if (error instanceof ConfigError || error instanceof PullguardError) {
      printLine(io.stderr, `pullguard ${name}: ${error.message}`);
      return ExitCode.usage;
    }
    printLine(io.stderr, `pullguard ${name}: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return ExitCode.usage;
  }
}
