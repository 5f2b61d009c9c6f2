/** What a command may touch: injected so tests run commands in-process and read what they print. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** Exit codes shared by the commands. */
export const ExitCode = {
  ok: 0,
  rejected: 1,
  usage: 2,
  undecidable: 3,
} as const;

export type Command = (argv: string[], io: CliIo) => Promise<number>;

export function printLine(stream: NodeJS.WritableStream, line: string): void {
  stream.write(`${line}\n`);
}
