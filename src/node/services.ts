/**
 * What a node is given rather than builds (libp2p's "components"): logger, clock, randomness and
 * metrics, plus factories that tests use to swap the transport or discovery for in-memory ones.
 */
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Discovery } from '../discovery/types.js';
import { createLogger, silentLogger, type Logger } from '../log.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { randomId, systemRandom, type Random } from '../random.js';
import type { AdmitFn, PeerIdentity, Transport } from '../transport/types.js';
import type { NodeIdentity } from './identity.js';

/** Injected services; tests swap in a fake clock, a seeded random or an in-memory transport. */
export interface NodeServices {
  logger: Logger;
  clock: Clock;
  random: Random;
  metrics: Metrics;
  /** Per-process id; default random. */
  incarnation: string;
  /** Builds the transport once the node knows who it is. Default: WebSockets on the node's port. */
  createTransport?: ((identity: PeerIdentity, admit: AdmitFn) => Transport) | undefined;
  /** Builds discovery. Default: from the config's `discovery` setting. */
  createDiscovery?: ((identity: NodeIdentity) => Discovery) | undefined;
}

/** What a caller of createNode may override. */
export type NodeOverrides = Partial<NodeServices> & {
  /** Collect process metrics (CPU, heap, event loop): on for a node that owns its process. */
  processMetrics?: boolean;
};

/**
 * The services of a node, defaults filled in. Without an injected logger the node logs per the
 * config, and every line names the node once `setName` tells it (the name may depend on the port).
 */
export async function nodeServices(
  config: Config,
  overrides: NodeOverrides,
): Promise<{ services: NodeServices; setName: (name: string) => void }> {
  const named: { node?: string } = {};
  let logger = overrides.logger;
  if (logger === undefined && config.logLevel !== 'silent') {
    const pretty = config.logFormat === 'auto' ? undefined : config.logFormat === 'pretty';
    logger = await createLogger({
      level: config.logLevel,
      mixin: () => (named.node === undefined ? {} : { node: named.node }),
      ...(pretty === undefined ? {} : { pretty }),
    });
  }
  const services: NodeServices = {
    logger: logger ?? silentLogger(),
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? systemRandom(),
    metrics: overrides.metrics ?? createMetrics({ processMetrics: overrides.processMetrics === true }),
    incarnation: overrides.incarnation ?? randomId(8),
    createTransport: overrides.createTransport,
    createDiscovery: overrides.createDiscovery,
  };
  return { services, setName: (name) => (named.node = name) };
}
