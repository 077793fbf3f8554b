/**
 * Peer discovery: one interface ({@link Discovery}), four strategies, chosen by `options.kind`.
 * See README.md in this folder for the options, their defaults and what each strategy trades away.
 */
import { ConfigError } from '../errors.js';
import { DnsDiscovery } from './dns-discovery.js';
import { MdnsDiscovery } from './mdns-discovery.js';
import { NoDiscovery } from './none-discovery.js';
import { StaticDiscovery } from './static-discovery.js';
import type { Discovery, DiscoveryComponents, DiscoveryOptions } from './types.js';

export type {
  DiscoveredPeer,
  Discovery,
  DiscoveryComponents,
  DiscoveryEvents,
  DiscoveryKind,
  DiscoveryOptions,
  SelfInfo,
} from './types.js';
export { backoffDelay, BACKOFF_DEFAULTS, type BackoffOptions, type Jitter } from './backoff.js';
export { DNS_DEFAULTS } from './dns-discovery.js';
export { MDNS_SERVICE_TYPE } from './mdns-service.js';

/**
 * Creates the discovery strategy named by `options.kind`. Options are validated here, once, so a
 * bad config fails before the node starts.
 * @throws ConfigError (code ERR_INVALID_CONFIG) naming the offending field.
 */
export function createDiscovery(options: DiscoveryOptions, components: DiscoveryComponents): Discovery {
  switch (options.kind) {
    case 'static':
      return new StaticDiscovery(options.peers ?? [], components);
    case 'mdns':
      return new MdnsDiscovery(options, components);
    case 'dns':
      return new DnsDiscovery(options, components);
    case 'none':
      return new NoDiscovery(components);
    default:
      throw new ConfigError('kind', `${JSON.stringify((options as { kind: unknown }).kind)} is not one of static, mdns, dns, none`);
  }
}
