/**
 * A JSON reader that gives what Go's `encoding/json` decoder sees, for decoding pull secrets exactly as the kubelet:
 * object members in document order with duplicates kept (Go merges a repeated map-valued field into one map), lone
 * UTF-16 surrogate escapes replaced by U+FFFD, at most 10000 levels of nesting, and field names compared with Go's
 * case folding. Errors carry an offset and never the input text (pull secrets hold credentials).
 */

export type JsonValue = null | boolean | number | string | JsonArray | JsonObject;

export interface JsonObject {
  readonly kind: 'object';
  readonly members: readonly (readonly [string, JsonValue])[];
}

export interface JsonArray {
  readonly kind: 'array';
  readonly items: readonly JsonValue[];
}

export class JsonSyntaxError extends Error {
  readonly offset: number;

  constructor(reason: string, offset: number) {
    super(`${reason} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
    this.offset = offset;
  }
}

const MAX_DEPTH = 10000;

export function parseGoJson(text: string): JsonValue {
  // Go reads invalid UTF-8 in strings as U+FFFD; a lone surrogate is the JavaScript-string equivalent.
  const reader = new Reader(text.toWellFormed());
  const value = reader.readDocument();
  reader.skipSpace();
  if (!reader.atEnd()) throw new JsonSyntaxError('unexpected data after the top-level value', reader.at);
  return value;
}

export function isJsonObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && value.kind === 'object';
}

/** A short type name for messages ("an array", "a number", …). */
export function describeJsonType(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.kind === 'object' ? 'an object' : 'an array';
  return typeof value === 'string' ? 'a string' : typeof value === 'number' ? 'a number' : 'a boolean';
}

/**
 * The key Go's decoder would match a struct field name against: ASCII letters lower-cased, and the two non-ASCII
 * letters that fold onto ASCII (U+017F long s → s, U+212A Kelvin sign → k), as `bytes.EqualFold` does.
 */
export function foldGoFieldName(name: string): string {
  return name.replace(/[A-Z\u017f\u212a]/g, (c) => (c === '\u017f' ? 's' : c === '\u212a' ? 'k' : c.toLowerCase()));
}

type Frame =
  | { readonly kind: 'object'; readonly members: [string, JsonValue][]; name: string }
  | { readonly kind: 'array'; readonly items: JsonValue[] };

class Reader {
  readonly #text: string;
  at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  atEnd(): boolean {
    return this.at >= this.#text.length;
  }

  skipSpace(): void {
    while (this.at < this.#text.length) {
      const c = this.#text[this.at];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.at++;
    }
  }

  /** One value, containers handled with an explicit stack so deep nesting cannot overflow the call stack. */
  readDocument(): JsonValue {
    const stack: Frame[] = [];
    for (;;) {
      this.skipSpace();
      let value: JsonValue;
      const c = this.#text[this.at];
      if (c === '{' || c === '[') {
        if (stack.length >= MAX_DEPTH) throw new JsonSyntaxError('exceeded max depth', this.at);
        this.at++;
        this.skipSpace();
        if (c === '{' && this.#text[this.at] !== '}') {
          stack.push({ kind: 'object', members: [], name: this.#readMemberName() });
          continue;
        }
        if (c === '[' && this.#text[this.at] !== ']') {
          stack.push({ kind: 'array', items: [] });
          continue;
        }
        this.at++;
        value = c === '{' ? { kind: 'object', members: [] } : { kind: 'array', items: [] };
      } else {
        value = this.#readScalar();
      }
      // Attach the value to its container; close containers that end here.
      for (;;) {
        const top = stack.at(-1);
        if (top === undefined) return value;
        if (top.kind === 'object') top.members.push([top.name, value]);
        else top.items.push(value);
        this.skipSpace();
        const next = this.#text[this.at];
        const close = top.kind === 'object' ? '}' : ']';
        if (next === ',') {
          this.at++;
          if (top.kind === 'object') {
            this.skipSpace();
            top.name = this.#readMemberName();
          }
          break;
        }
        if (next !== close) throw this.#unexpected(`expected ',' or '${close}'`);
        this.at++;
        stack.pop();
        value = top.kind === 'object' ? { kind: 'object', members: top.members } : { kind: 'array', items: top.items };
      }
    }
  }

  /** `"name"` and the `:` after it. */
  #readMemberName(): string {
    if (this.#text[this.at] !== '"') throw this.#unexpected('expected a member name');
    const name = this.#readString();
    this.skipSpace();
    if (this.#text[this.at] !== ':') throw this.#unexpected("expected ':' after a member name");
    this.at++;
    return name;
  }

  #readScalar(): JsonValue {
    const c = this.#text[this.at];
    if (c === undefined) throw new JsonSyntaxError('unexpected end of JSON input', this.at);
    if (c === '"') return this.#readString();
    if (c === '-' || (c >= '0' && c <= '9')) return this.#readNumber();
    for (const [word, value] of LITERALS) {
      if (this.#text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    throw new JsonSyntaxError('invalid character', this.at);
  }

  #readNumber(): number {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.#text);
    if (match === null) throw new JsonSyntaxError('invalid number', this.at);
    this.at += match[0].length;
    return Number(match[0]);
  }

  #readString(): string {
    const start = this.at;
    this.at++;
    let out = '';
    for (;;) {
      const c = this.#text[this.at];
      if (c === undefined) throw new JsonSyntaxError('unterminated string', start);
      if (c === '"') {
        this.at++;
        return out;
      }
      if (c < ' ') throw new JsonSyntaxError('control character in string', this.at);
      if (c !== '\\') {
        out += c;
        this.at++;
        continue;
      }
      const escaped = this.#text[this.at + 1];
      const simple = escaped === undefined ? undefined : SIMPLE_ESCAPES.get(escaped);
      if (simple !== undefined) {
        out += simple;
        this.at += 2;
      } else if (escaped === 'u') {
        out += this.#readUnicodeEscape();
      } else {
        throw new JsonSyntaxError('invalid escape in string', this.at);
      }
    }
  }

  /** `\uXXXX`, pairing surrogates; an unpaired surrogate becomes U+FFFD as in Go. */
  #readUnicodeEscape(): string {
    const first = this.#hex4(this.at + 2);
    this.at += 6;
    if (first < 0xd800 || first > 0xdfff) return String.fromCharCode(first);
    if (first <= 0xdbff && this.#text.startsWith('\\u', this.at)) {
      const second = this.#hex4(this.at + 2);
      if (second >= 0xdc00 && second <= 0xdfff) {
        this.at += 6;
        return String.fromCharCode(first, second);
      }
    }
    return '\ufffd';
  }

  #hex4(at: number): number {
    const digits = this.#text.slice(at, at + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(digits)) throw new JsonSyntaxError('invalid \\u escape in string', at - 2);
    return Number.parseInt(digits, 16);
  }

  #unexpected(reason: string, at: number = this.at): JsonSyntaxError {
    return new JsonSyntaxError(this.#text[at] === undefined ? 'unexpected end of JSON input' : reason, at);
  }
}

const LITERALS: readonly (readonly [string, JsonValue])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
];

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

const SIMPLE_ESCAPES = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);
