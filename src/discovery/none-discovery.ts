/** No discovery: a single node, or peers that join by dialing us. */
import { PeerTable } from './peer-table.js';
import type { Discovery, DiscoveryComponents } from './types.js';

/** A discovery that never finds anyone. */
export class NoDiscovery extends PeerTable implements Discovery {
  readonly kind = 'none' as const;

  constructor(components: DiscoveryComponents) {
    super(components.logger.child({ component: 'discovery', strategy: 'none' }));
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
