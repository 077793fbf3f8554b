/**
 * `host:port` parsing and "is this address me?", shared by every strategy. Pure, no I/O except
 * {@link localHostAddresses}, which reads the interface table once per call.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** A parsed dial address. `host` is lower-cased and never bracketed. */
export interface HostPort {
  host: string;
  port: number;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens; optional final dot.
const HOST_NAME = /^(?=.{1,253}\.?$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;

/** True for a valid TCP port number (1..65535). */
export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** True for an IP literal or an RFC 1123 host name. */
export function isValidHost(host: string): boolean {
  return isIP(host) !== 0 || HOST_NAME.test(host.toLowerCase());
}

/**
 * Parses `host:port`, `ip:port` or `[v6]:port`. Returns undefined for anything else (no port, port
 * out of range, bad host), so callers decide whether that is a config error or a record to drop.
 */
export function parseHostPort(text: string): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (match === null) return undefined;
  const host = (match[1] ?? match[2] ?? '').toLowerCase();
  const port = Number(match[3]);
  if (match[1] !== undefined && isIP(host) !== 6) return undefined;
  if (!isValidHost(host) || !isValidPort(port)) return undefined;
  return { host: stripTrailingDot(host), port };
}

/** Formats a dial address, bracketing IPv6 literals. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for hosts that mean "this machine" on loopback: 127.x, ::1, localhost, and the wildcards. */
export function isLoopbackOrWildcard(host: string): boolean {
  const h = stripTrailingDot(host.toLowerCase());
  return h === 'localhost' || h === '0.0.0.0' || h === '::' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

// Spellings that all reach 127.0.0.1 when dialed (the wildcards connect to loopback on Linux).
const THIS_HOST = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::']);
const WILDCARDS = new Set(['0.0.0.0', '::']);

/**
 * True when `address` is ourselves: same port and the same host, where 127.0.0.1, localhost, ::1
 * and the wildcards count as one host. When we listen on the wildcard, any 127.x and any of
 * `localHosts` (our interface addresses) is us too (a pod that does not know its own IP). Another
 * 127.x is not us when we listen on 127.0.0.1 only: tests run several nodes on 127.0.0.2, .3, ...
 */
export function isSelfAddress(address: HostPort, self: HostPort, localHosts: ReadonlySet<string> = new Set()): boolean {
  if (address.port !== self.port) return false;
  const host = stripTrailingDot(address.host.toLowerCase());
  const selfHost = stripTrailingDot(self.host.toLowerCase());
  if (host === selfHost) return true;
  if (THIS_HOST.has(host) && THIS_HOST.has(selfHost)) return true;
  if (!WILDCARDS.has(selfHost)) return false;
  return (isIP(host) === 4 && host.startsWith('127.')) || localHosts.has(host);
}

/** The addresses of this machine's interfaces (for {@link isSelfAddress} when we bind the wildcard). */
export function localHostAddresses(): Set<string> {
  const hosts = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) hosts.add(info.address.toLowerCase());
  }
  return hosts;
}

function stripTrailingDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
