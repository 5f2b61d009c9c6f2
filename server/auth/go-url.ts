import { isIPv6 } from 'node:net';

/**
 * The part of Go's `net/url.Parse` the kubelet keyring depends on: which strings parse at all, and the unescaped
 * `Host` (with port) and `Path` of those that do. Also `net.SplitHostPort`.
 *
 * Modelled on a current Go (1.25.8+/1.26.1+): a `[` anywhere but at the start of the host is an error
 * (CVE-2026-25679), a bracketed host must be an IPv6 address (CVE-2025-47912), and the first colon of an unbracketed
 * host starts the port (`urlstrictcolons`). Kubelets built with older Go accepted `[...]` inside a label.
 */

export interface GoUrl {
  /** Unescaped host, port included (`registry.io:5000`, `[::1]:5000`). */
  readonly host: string;
  /** Unescaped path (`/team/app`), '' when absent. */
  readonly path: string;
}

/** `url.Parse(raw)`; null where Go returns an error. `raw` must start with a scheme (`https://…`). */
export function parseGoUrl(raw: string): GoUrl | null {
  if (hasControlCharacter(raw)) return null;
  const hash = raw.indexOf('#');
  let rest = hash < 0 ? raw : raw.slice(0, hash);
  if (hash >= 0 && unescapeGo(raw.slice(hash + 1), 'other') === null) return null;

  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
  if (scheme === null) return null;
  rest = rest.slice(scheme[0].length);
  const question = rest.indexOf('?');
  if (question >= 0) rest = rest.slice(0, question);
  if (!rest.startsWith('/')) return { host: '', path: '' }; // opaque, e.g. "https:foo"

  let host = '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const parsedHost = parseAuthority(authority);
    if (parsedHost === null) return null;
    host = parsedHost;
  }
  const path = unescapeGo(rest, 'other');
  if (path === null) return null;
  return { host, path };
}

/** `net.SplitHostPort`: null where Go returns an error (the kubelet then uses the whole host and no port). */
export function splitGoHostPort(hostport: string): { host: string; port: string } | null {
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) return null;
  let host: string;
  let openFrom = 0;
  let closeFrom = 0;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0 || close + 1 !== colon) return null;
    host = hostport.slice(1, close);
    openFrom = 1;
    closeFrom = close + 1;
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(':')) return null;
  }
  if (hostport.indexOf('[', openFrom) >= 0 || hostport.indexOf(']', closeFrom) >= 0) return null;
  return { host, port: hostport.slice(colon + 1) };
}

function parseAuthority(authority: string): string | null {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (host === null || at < 0) return host;
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return null;
  const colon = userinfo.indexOf(':');
  const parts = colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
  return parts.every((part) => unescapeGo(part, 'other') !== null) ? host : null;
}

function parseHost(host: string): string | null {
  const open = host.lastIndexOf('[');
  if (open > 0) return null;
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) return null;
    const colonPort = host.slice(close + 1);
    if (!isValidOptionalPort(colonPort)) return null;
    const inner = host.slice(1, close);
    const zone = inner.indexOf('%25');
    const address = unescapeGo(zone < 0 ? inner : inner.slice(0, zone), 'host');
    const zoneText = zone < 0 ? '' : unescapeGo(inner.slice(zone), 'zone');
    if (address === null || zoneText === null) return null;
    const literal = address + zoneText;
    if (!isIPv6(literal) || literal.endsWith('%')) return null;
    return `[${literal}]${colonPort}`;
  }
  const colon = host.indexOf(':');
  if (colon >= 0 && !isValidOptionalPort(host.slice(colon))) return null;
  return unescapeGo(host, 'host');
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function isValidOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

/** ASCII bytes Go allows unescaped in a host (`shouldEscape(c, encodeHost)` is false). */
const HOST_CHARACTER = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]$/;

/**
 * Go's `unescape`: %XX sequences decoded as bytes (then read as UTF-8). In a host, a %-escape may only stand for a
 * non-ASCII byte (or be `%25`), and ASCII characters must be host characters; in a zone, escapes must decode to host
 * characters or a space.
 */
function unescapeGo(text: string, mode: 'host' | 'zone' | 'other'): string | null {
  const bytes = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0x25) {
      const hi = hexValue(bytes[i + 1]);
      const lo = hexValue(bytes[i + 2]);
      if (hi < 0 || lo < 0) return null;
      const isPercent25 = hi === 2 && lo === 5;
      const value = hi * 16 + lo;
      if (mode === 'host' && hi < 8 && !isPercent25) return null;
      if (mode === 'zone' && !isPercent25 && value !== 0x20 && !isHostByte(value)) return null;
      out.push(value);
      i += 2;
      continue;
    }
    if ((mode === 'host' || mode === 'zone') && b < 0x80 && !isHostByte(b)) return null;
    out.push(b);
  }
  return Buffer.from(out).toString('utf8');
}

function isHostByte(b: number): boolean {
  return b < 0x80 && HOST_CHARACTER.test(String.fromCharCode(b));
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  return -1;
}
