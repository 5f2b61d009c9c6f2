/** A pino destination that keeps what was written, for tests that parse the JSON lines (as pino's own tests do). */
import { Writable } from 'node:stream';

export interface LogSink {
  readonly stream: Writable;
  text(): string;
  lines(): Record<string, unknown>[];
}

export function createLogSink(): LogSink {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
