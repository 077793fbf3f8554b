/**
 * Static discovery: a fixed list of `host:port`. The same list can be handed to every node (one
 * config file for the whole cluster): each node skips the entry that is itself.
 */
import { ConfigError } from '../errors.js';
import { formatHostPort, isSelfAddress, localHostAddresses, parseHostPort } from './address.js';
import { PeerTable } from './peer-table.js';
import type { Discovery, DiscoveryComponents, SelfInfo } from './types.js';

/**
 * Validates `peers` and returns the addresses to dial, normalized (lower-case host, IPv6 bracketed),
 * de-duplicated, ourselves removed.
 * @throws ConfigError (field `peers`, code ERR_INVALID_CONFIG) on an entry that is not `host:port`.
 */
export function parseStaticPeers(
  peers: unknown,
  self: Pick<SelfInfo, 'host' | 'port'>,
  localHosts: ReadonlySet<string> = new Set(),
): string[] {
  if (!Array.isArray(peers)) throw new ConfigError('peers', 'must be a list of host:port');
  const addresses = new Set<string>();
  peers.forEach((entry, index) => {
    const parsed = typeof entry === 'string' ? parseHostPort(entry) : undefined;
    if (parsed === undefined) {
      throw new ConfigError('peers', `entry ${index} (${JSON.stringify(entry)}) is not host:port with a port in 1..65535`);
    }
    if (!isSelfAddress(parsed, self, localHosts)) addresses.add(formatHostPort(parsed.host, parsed.port));
  });
  return [...addresses];
}

/** Discovery from a fixed list; every entry is "found" at start and never lost. */
export class StaticDiscovery extends PeerTable implements Discovery {
  readonly kind = 'static' as const;
  readonly #addresses: string[];
  #started = false;

  /** @throws ConfigError (field `peers`) on an invalid entry: validated here, once, before start. */
  constructor(peers: unknown, components: DiscoveryComponents) {
    super(components.logger.child({ component: 'discovery', strategy: 'static' }));
    this.#addresses = parseStaticPeers(peers, components.self, localHostAddresses());
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.log.info({ peers: this.#addresses }, 'static peers');
    for (const address of this.#addresses) this.setPeer(address, { address });
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.clearPeers();
  }
}
