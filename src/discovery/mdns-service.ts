/**
 * The pure half of mDNS discovery: what we publish (instance name, TXT) and which services we
 * accept, for each scope. Kept apart from the sockets so the rules are unit-tested directly.
 *
 * Scope (bonjour-service 1.4, read in its source and checked with a packet capture): the library multicasts on whatever interface it is
 * given, and silently receives nothing unless it binds the wildcard. So the socket is always
 * `{ interface: <IPv4 address>, bind: '0.0.0.0' }`; with the default loopback scope nothing leaves
 * the machine, and because another process (avahi) may still feed LAN announcements into the
 * group, services are accepted only when they came from 127.x.
 */
import { isIPv4 } from 'node:net';
import type { Service } from 'bonjour-service';
import { ConfigError } from '../errors.js';
import { formatHostPort, isLoopbackOrWildcard, isValidPort, parseHostPort } from './address.js';
import type { DiscoveredPeer, SelfInfo } from './types.js';

/** The DNS-SD service type: `_parking._tcp.local`. */
export const MDNS_SERVICE_TYPE = 'parking';

/** Where mDNS packets go: this machine only (default), or one interface chosen by its address. */
export type MdnsScope = { kind: 'loopback' } | { kind: 'interface'; address: string };

/** The TXT record we publish; every value is a string on the wire. */
export interface MdnsTxt {
  cluster: string;
  node: string;
  inc: string;
  addr: string;
}

/**
 * The scope for the `mdnsInterface` option. Only an IPv4 address is accepted: an interface *name*
 * (`lo`, `eth0`) makes the library warn and then multicast out of the default interface.
 * @throws ConfigError (field `mdnsInterface`) for anything but an IPv4 address.
 */
export function mdnsScope(mdnsInterface: string | undefined): MdnsScope {
  if (mdnsInterface === undefined || mdnsInterface === '') return { kind: 'loopback' };
  if (!isIPv4(mdnsInterface)) {
    throw new ConfigError('mdnsInterface', `${JSON.stringify(mdnsInterface)} is not an IPv4 address (interface names are not accepted)`);
  }
  return mdnsInterface.startsWith('127.') ? { kind: 'loopback' } : { kind: 'interface', address: mdnsInterface };
}

/** The multicast-dns socket options for a scope (passed through Bonjour's constructor). */
export function mdnsSocketOptions(scope: MdnsScope): { interface: string; bind: string } {
  return { interface: scope.kind === 'loopback' ? '127.0.0.1' : scope.address, bind: '0.0.0.0' };
}

/**
 * Our instance name: the node name plus the incarnation's first 8 characters. Unique per process,
 * because a name already on the network makes bonjour-service drop the service silently. Reduced
 * to letters, digits and `-` (the browser splits names at dots) and to one 63-byte DNS label.
 */
export function mdnsInstanceName(self: Pick<SelfInfo, 'name' | 'incarnation'>): string {
  const suffix = self.incarnation.slice(0, 8).replace(/[^A-Za-z0-9-]/g, '-');
  const name = self.name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63 - suffix.length - 1);
  return `${name}-${suffix}`;
}

/** The TXT record that tells browsers our cluster, name, incarnation and dial address. */
export function mdnsTxt(self: SelfInfo): MdnsTxt {
  return { cluster: self.cluster, node: self.name, inc: self.incarnation, addr: formatHostPort(self.host, self.port) };
}

/** The verdict on one browsed service. */
export type MdnsVerdict = { accept: true; peer: DiscoveredPeer } | { accept: false; reason: string };

/** The fields of a bonjour-service `Service` that the verdict reads. */
export type BrowsedService = Pick<Service, 'port' | 'txt' | 'referer'>;

/**
 * Whether a browsed service is a peer of ours, and where to dial it. Accepts only our cluster and
 * not our own incarnation; in loopback scope only services heard from 127.x, dialed at that address
 * (the record's A addresses list LAN interfaces, which loopback scope must not use); in interface
 * scope, the advertised `addr`, or the sender's address when `addr` is a wildcard or loopback.
 */
export function judgeService(service: BrowsedService, self: SelfInfo, scope: MdnsScope): MdnsVerdict {
  const txt = (typeof service.txt === 'object' && service.txt !== null ? service.txt : {}) as Partial<Record<keyof MdnsTxt, unknown>>;
  if (txt.cluster !== self.cluster) return { accept: false, reason: 'other cluster' };
  if (txt.inc === self.incarnation) return { accept: false, reason: 'ourselves' };
  if (!isValidPort(service.port)) return { accept: false, reason: 'bad port' };
  const from = service.referer?.address;
  let address: string | undefined;
  if (scope.kind === 'loopback') {
    if (from === undefined || !isIPv4(from) || !from.startsWith('127.')) return { accept: false, reason: 'not from loopback' };
    address = formatHostPort(from, service.port);
  } else {
    const advertised = typeof txt.addr === 'string' ? parseHostPort(txt.addr) : undefined;
    if (advertised !== undefined && !isLoopbackOrWildcard(advertised.host)) address = formatHostPort(advertised.host, advertised.port);
    else if (from !== undefined) address = formatHostPort(from, service.port);
  }
  if (address === undefined) return { accept: false, reason: 'no address' };
  const peer: DiscoveredPeer = { address };
  if (typeof txt.node === 'string') peer.name = txt.node;
  if (typeof txt.inc === 'string') peer.incarnation = txt.inc;
  return { accept: true, peer };
}
