import { PassThrough, Readable, Writable } from 'node:stream';
import type { CliIo } from '../../server/cli/io.ts';

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/** In-process CLI I/O: what a command prints is kept for assertions; stdin is the given text. */
export function captureIo(stdinText = ''): CapturedIo {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const stdin = stdinText === '' ? new PassThrough().end() : Readable.from([stdinText]);
  return {
    stdout: sink((text) => {
      out += text;
    }),
    stderr: sink((text) => {
      err += text;
    }),
    stdin,
    env: {},
    out: () => out,
    err: () => err,
  };
}
