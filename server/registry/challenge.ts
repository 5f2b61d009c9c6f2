/**
 * `WWW-Authenticate` parsing exactly as distribution's client does it (REGISTRY.md §3.1; checked against
 * vectors/www-authenticate.json), and the choice of challenge as containerd's authorizer makes it. Pure.
 *
 * One challenge per header line (a second challenge folded into a line is not seen); scheme and parameter names
 * lowercased; values are a token or a quoted string with `\` escapes removed; parsing stops at the first thing
 * that is not `, name=value` (whitespace around `=`, an empty value, an unterminated quote); a repeated parameter
 * keeps its last value.
 */
export interface Challenge {
  /** Lowercased, e.g. `bearer`, `basic`. */
  readonly scheme: string;
  /** Lowercased names; values as sent. */
  readonly params: Readonly<Record<string, string>>;
}

/** Parses every header line; lines without a scheme are dropped. */
export function parseChallenges(headerLines: readonly string[]): Challenge[] {
  const challenges: Challenge[] = [];
  for (const line of headerLines) {
    const challenge = parseChallengeLine(line);
    if (challenge !== undefined) challenges.push(challenge);
  }
  return challenges;
}

/** The challenge to act on: the first Bearer, else the first Basic when a usable credential exists (containerd). */
export function selectChallenge(
  challenges: readonly Challenge[],
  options: { hasCredential: boolean },
): Challenge | undefined {
  const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
  if (bearer !== undefined) return bearer;
  if (!options.hasCredential) return undefined;
  return challenges.find((challenge) => challenge.scheme === 'basic');
}

function parseChallengeLine(line: string): Challenge | undefined {
  const params: Record<string, string> = Object.create(null);
  const [scheme, afterScheme] = expectToken(line);
  if (scheme === '') return undefined;
  const challenge = { scheme: scheme.toLowerCase(), params };
  let rest = `,${skipSpace(afterScheme)}`;
  while (rest.startsWith(',')) {
    const [name, afterName] = expectToken(skipSpace(rest.slice(1)));
    if (name === '' || !afterName.startsWith('=')) break;
    const [value, afterValue] = expectTokenOrQuoted(afterName.slice(1));
    if (value === '') break;
    params[name.toLowerCase()] = value;
    rest = skipSpace(afterValue);
  }
  return challenge;
}

const SEPARATORS = '()<>@,;:\\"/[]?={} \t';

function isTokenChar(code: number): boolean {
  return code > 31 && code < 127 && !SEPARATORS.includes(String.fromCharCode(code));
}

function isSpaceChar(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

function skipSpace(text: string): string {
  let index = 0;
  while (index < text.length && isSpaceChar(text.charCodeAt(index))) index += 1;
  return text.slice(index);
}

function expectToken(text: string): [string, string] {
  let index = 0;
  while (index < text.length && isTokenChar(text.charCodeAt(index))) index += 1;
  return [text.slice(0, index), text.slice(index)];
}

/** A token, or a quoted string with escapes removed; ['', ''] for an unterminated quote. */
function expectTokenOrQuoted(text: string): [string, string] {
  if (!text.startsWith('"')) return expectToken(text);
  let value = '';
  let escaped = false;
  for (let index = 1; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (escaped) {
      value += char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else if (char === '"') {
      return [value, text.slice(index + 1)];
    } else {
      value += char;
    }
  }
  return ['', ''];
}
