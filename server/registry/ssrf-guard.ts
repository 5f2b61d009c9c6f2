/**
 * Keeps a hostile reference (or a redirect, or a token realm) from making pullguard connect into the cluster's
 * metadata or link-local network. The check runs on the address actually connected to: IP literals before the
 * connection, host names on every address DNS returns (denied ones are dropped), and the socket's remote address
 * once connected, so DNS rebinding between a check and the connection cannot get around it.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { PullguardError } from '../errors.ts';
import { type Cidr, findMatchingCidr, parseCidr } from './cidr.ts';

export class BlockedAddressError extends PullguardError {
  readonly hostname: string;
  readonly address: string;
  readonly cidr: string;

  constructor(hostname: string, address: string, cidr: string) {
    const shown = hostname === address ? address : `${hostname} (${address})`;
    super('REGISTRY_BLOCKED', `address ${shown} is blocked by the deny list (${cidr})`);
    this.hostname = hostname;
    this.address = address;
    this.cidr = cidr;
  }
}

export type ResolveAll = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface AddressGuard {
  /** The deny range holding `address`, or undefined when it may be contacted. */
  findDenied(address: string): Cidr | undefined;
  /** A `lookup` for net/tls.connect that drops denied addresses and fails when none is left. */
  readonly lookup: LookupFunction;
}

/** Throws RangeError for a malformed CIDR: settings are validated when the client is built. */
export function createAddressGuard(denyCidrs: readonly string[], resolveAll: ResolveAll = dnsLookup): AddressGuard {
  const cidrs = denyCidrs.map((text) => parseCidr(text));
  const findDenied = (address: string): Cidr | undefined => findMatchingCidr(address, cidrs);
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolveAll(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, options.all === true ? [] : '', 0);
        return;
      }
      let blocked: BlockedAddressError | undefined;
      const allowed = addresses.filter((entry) => {
        const hit = findDenied(entry.address);
        if (hit !== undefined) blocked ??= new BlockedAddressError(hostname, entry.address, hit.text);
        return hit === undefined;
      });
      const first = allowed[0];
      if (first === undefined) {
        const failure = blocked ?? Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
        callback(failure, options.all === true ? [] : '', 0);
        return;
      }
      if (options.all === true) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
  return { findDenied, lookup };
}

/** Wraps undici's connector: refuses denied IP literals up front and denied peers after connecting. */
export function guardConnector(guard: AddressGuard, connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) => {
    const hostname = stripBrackets(options.hostname);
    if (isIP(hostname) !== 0) {
      const hit = guard.findDenied(hostname);
      if (hit !== undefined) {
        callback(new BlockedAddressError(hostname, hostname, hit.text), null);
        return;
      }
    }
    connect(options, (error, socket) => {
      if (error !== null) {
        callback(error, null);
        return;
      }
      const peer = (socket as Socket).remoteAddress;
      const hit = peer === undefined ? undefined : guard.findDenied(peer);
      if (peer !== undefined && hit !== undefined) {
        socket.destroy();
        callback(new BlockedAddressError(hostname, peer, hit.text), null);
        return;
      }
      callback(null, socket);
    });
  };
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
