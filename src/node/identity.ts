/**
 * Who a node is, known once its port is bound: its name (configured, else the host name, plus
 * `-<port>` off the default port), its per-process incarnation and the URL peers and clients dial.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { Config } from '../config/schema.js';
import type { PeerIdentity } from '../transport/types.js';
import { DEFAULT_PORT } from './listen.js';

/** A node's identity plus the host it advertises (discovery announces it). */
export interface NodeIdentity extends PeerIdentity {
  /** The host peers should dial (the listen address, or the host's address on a wildcard listen). */
  advertisedHost: string;
  port: number;
}

/** The identity of a node whose port is bound. */
export function identityOf(config: Config, port: number, incarnation: string): NodeIdentity {
  const advertise = config.advertiseHost !== '' ? config.advertiseHost : advertisedHost(config.host);
  const name = config.name !== '' ? config.name : port === DEFAULT_PORT ? hostname() : `${hostname()}-${port}`;
  const hostInUrl = advertise.includes(':') ? `[${advertise}]` : advertise;
  return { cluster: config.cluster, name, incarnation, url: `http://${hostInUrl}:${port}`, advertisedHost: advertise, port };
}

/**
 * The address peers and clients should dial when none is configured: the listen address, or, for a
 * wildcard listen (containers), the first non-internal IPv4 address of the host (127.0.0.1 if none).
 */
export function advertisedHost(listenHost: string): string {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return listenHost;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
