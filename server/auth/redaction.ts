/** Keeping credentials out of logs, messages and `console.log` output. */

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
export const REDACTED = '<redacted>';

/**
 * Freezes `value` and gives it a hidden `toJSON` and `util.inspect` hook that print `password` as `<redacted>`.
 * Property access, spreading and deep equality see the real values.
 */
export function hideSecretsWhenPrinted<T extends { readonly password: string }>(value: T): T {
  const printable = (): Record<string, unknown> => ({ ...value, password: REDACTED });
  Object.defineProperty(value, 'toJSON', { value: printable, enumerable: false });
  Object.defineProperty(value, INSPECT, { value: printable, enumerable: false });
  return Object.freeze(value);
}

/**
 * A registry key fit for messages: userinfo (`https://user:pass@host`, which Go's URL parser accepts and the kubelet
 * drops) is replaced by `<redacted>`.
 */
export function redactRegistryKey(key: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(key);
  const authorityStart = scheme === null ? 0 : scheme[0].length;
  const slash = key.indexOf('/', authorityStart);
  const authorityEnd = slash < 0 ? key.length : slash;
  const at = key.lastIndexOf('@', authorityEnd - 1);
  if (at < authorityStart) return key;
  return `${key.slice(0, authorityStart)}${REDACTED}${key.slice(at)}`;
}
