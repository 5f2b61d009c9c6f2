/**
 * The JSON body parser of the admission routes. Messages say what is wrong and where, but never quote the body
 * (V8's SyntaxError text includes a snippet of the input, which could be anything the object held).
 */
import { PullguardError } from '../errors.ts';

/** A body that is not JSON (or carries a prototype-poisoning key): answered with 400. */
export class JsonBodyError extends PullguardError {
  constructor(message: string) {
    super('ADMISSION_DECODE', message, { httpStatus: 400 });
  }
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') {
    throw new JsonBodyError('request body is empty: expected an AdmissionReview as application/json');
  }
  try {
    // JSON.parse keeps `__proto__` as a plain own key, but code that later copies keys with assignment would turn
    // it into a prototype; such a key has no place in a Kubernetes object, so refuse it. The reviver only runs when
    // the text contains it at all, which keeps the common case at JSON.parse speed.
    return text.includes('"__proto__"') ? JSON.parse(text, refuseProtoKey) : JSON.parse(text);
  } catch (error) {
    if (error instanceof JsonBodyError) throw error;
    throw new JsonBodyError(`request body is not valid JSON${describePosition(error)}`);
  }
}

function refuseProtoKey(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new JsonBodyError('request body is refused: it contains a "__proto__" key');
  return value;
}

function describePosition(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/Unexpected end of JSON input/.test(message)) return ' (it ends too early)';
  const position = /at position (\d+)/.exec(message);
  return position ? ` (at character ${position[1]})` : '';
}
