/**
 * Two replicas joined by a hand-driven link pair, for replicator tests: frames wait in the other end's
 * inbox until the test delivers them, and a link can be made to drop (backpressure).
 */
import { EventEmitter } from 'node:events';
import { Replicator } from '../../src/cluster/replicator.js';
import { LotDocument } from '../../src/crdt/lot-document.js';
import { silentLogger } from '../../src/log.js';
import { Registrar } from '../../src/transport/registrar.js';
import type { LinkStats, PeerLink } from '../../src/transport/types.js';
import { FakeClock } from './fake-clock.js';

/** One end of a link whose frames wait in `inbox` of the other end until the test delivers them. */
export class TestLink extends EventEmitter implements PeerLink {
  readonly id = 'l';
  readonly direction = 'outbound' as const;
  readonly bufferedAmount = 0;
  readonly stats = {} as LinkStats;
  open = true;
  other!: TestLink;
  inbox: Array<[number, Uint8Array]> = [];
  dropping = false;
  sent: number[] = [];
  constructor(readonly remote: { cluster: string; name: string; incarnation: string; url: string }) {
    super();
  }
  send(type: number, payload: Uint8Array): boolean {
    if (!this.open) return false;
    if (this.dropping) return false;
    this.sent.push(type);
    this.other.inbox.push([type, payload]);
    return true;
  }
  ping(): void {}
  close(): void {
    this.open = false;
  }
}

export function pair(): { clock: FakeClock; a: Side; b: Side; deliver: () => number } {
  const clock = new FakeClock();
  const make = (): Side => {
    const lot = new LotDocument();
    const replicator = new Replicator({
      lot,
      clock,
      logger: silentLogger(),
      registrar: new Registrar({ logger: silentLogger() }),
      antiEntropyIntervalMs: 1000,
      replicationAckTimeoutMs: 500,
      pushCoalesceMs: 0,
    });
    return { lot, replicator, link: undefined as unknown as TestLink };
  };
  const a = make();
  const b = make();
  a.link = new TestLink({ cluster: 'c', name: 'b', incarnation: 'b', url: '' });
  b.link = new TestLink({ cluster: 'c', name: 'a', incarnation: 'a', url: '' });
  a.link.other = b.link;
  b.link.other = a.link;
  a.replicator.start();
  b.replicator.start();
  /** Delivers every queued frame, both ways, until quiet; returns how many. */
  const deliver = () => {
    let n = 0;
    for (let busy = true; busy;) {
      busy = false;
      for (const side of [a, b]) {
        const frames = side.link.inbox.splice(0);
        for (const [type, payload] of frames) {
          busy = true;
          n++;
          side.replicator.handle(side.link, type, payload);
        }
      }
    }
    return n;
  };
  return { clock, a, b, deliver };
}

export interface Side {
  lot: LotDocument;
  replicator: Replicator;
  link: TestLink;
}
