/**
 * CIDR parsing and matching for the address guard. Pure. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are
 * matched against IPv4 ranges as well as IPv6 ones, so a mapped form cannot slip past an IPv4 deny entry.
 */
export interface Cidr {
  /** As written in the settings, for messages. */
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** The bytes of an IPv4 (4) or IPv6 (16) address in text form, or undefined when it is not one. Zone ids are ignored. */
export function parseAddress(text: string): Uint8Array | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const withoutZone = bare.includes('%') ? bare.slice(0, bare.indexOf('%')) : bare;
  return withoutZone.includes(':') ? parseIpv6(withoutZone) : parseIpv4(withoutZone);
}

/** Parses `a.b.c.d/n` or `x::y/n` (a bare address is a single-address range); throws RangeError when malformed. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseAddress(addressText.trim());
  if (bytes === undefined) throw new RangeError(`not a CIDR: ${JSON.stringify(text)}`);
  const bits = bytes.length * 8;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1).trim();
    if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      throw new RangeError(`not a CIDR: ${JSON.stringify(text)}`);
    }
    prefix = Number(prefixText);
  }
  return { text, bytes, prefix };
}

/** The first range of `cidrs` containing `address` (text form), or undefined. Unparseable addresses match nothing. */
export function findMatchingCidr(address: string, cidrs: readonly Cidr[]): Cidr | undefined {
  const bytes = parseAddress(address);
  if (bytes === undefined) return undefined;
  const mapped = bytes.length === 16 && isIpv4Mapped(bytes) ? bytes.subarray(12) : undefined;
  for (const cidr of cidrs) {
    if (isInRange(bytes, cidr) || (mapped !== undefined && isInRange(mapped, cidr))) return cidr;
  }
  return undefined;
}

function isInRange(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  let remaining = cidr.prefix;
  for (let index = 0; index < bytes.length && remaining > 0; index += 1) {
    const take = Math.min(8, remaining);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[index] ?? 0) & mask) !== ((cidr.bytes[index] ?? 0) & mask)) return false;
    remaining -= take;
  }
  return true;
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let index = 0; index < 10; index += 1) if (bytes[index] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [index, part] of parts.entries()) {
    // Decimal only: inet_aton's octal and hex forms are refused rather than guessed at.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bytes[index] = Number(part);
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  let head = text;
  let tail = '';
  const gap = text.indexOf('::');
  if (gap !== -1) {
    if (text.indexOf('::', gap + 1) !== -1) return undefined;
    head = text.slice(0, gap);
    tail = text.slice(gap + 2);
  }
  const headGroups = parseGroups(head);
  const tailGroups = parseGroups(tail);
  if (headGroups === undefined || tailGroups === undefined) return undefined;
  const total = headGroups.length + tailGroups.length;
  if (gap === -1 ? total !== 8 : total > 7) return undefined;
  const groups = [...headGroups, ...new Array<number>(8 - total).fill(0), ...tailGroups];
  const bytes = new Uint8Array(16);
  for (const [index, group] of groups.entries()) {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  }
  return bytes;
}

/** Hex groups separated by `:`, the last one possibly a dotted IPv4 address (two groups). */
function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(((ipv4[0] ?? 0) << 8) | (ipv4[1] ?? 0), ((ipv4[2] ?? 0) << 8) | (ipv4[3] ?? 0));
      continue;
    }
    if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return undefined;
    groups.push(Number.parseInt(part, 16));
  }
  return groups;
}
