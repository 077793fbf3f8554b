/**
 * Which gates each peer says it runs, and ours told to every peer: the guard that keeps a gate from
 * running on two nodes while the cluster is connected. Placement (gate-table.ts) says where a gate
 * should run; a node starts a gate's worker only once no live peer claims it (src/gates/rebalancer.ts).
 *
 *   GATES  varuint count, then `count` varuint gate numbers: every gate the sender runs now.
 *
 * Sent to a new link at once (so a joiner knows who runs what before its first step 2 arrives, which
 * it waits for), and to every link whenever the set changes. A release is announced after the gate's
 * worker drained and after the replicator pushed its writes (`flush`), so on the ordered link the new
 * owner has applied the old owner's writes by the time it reads the release: a graceful handoff needs
 * no extra sync. A claim dies with its link; the gate is then taken over after a sync with every
 * reachable peer (the rebalancer), since the dead owner's last writes may sit on any of them.
 */
import { EventEmitter } from 'node:events';
import * as encoding from 'lib0/encoding';
import { decodeAll, readUint } from '../crdt/binary.js';
import { ProtocolError } from '../errors.js';
import type { Startable } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { MessageType } from '../message-types.js';
import type { LinkObserver, Registrar } from '../transport/registrar.js';
import type { PeerLink } from '../transport/types.js';

/** More gate numbers than any lot has: a bound for reading a peer's list. */
const MAX_CLAIMS = 65_536;

export function writeGates(gates: readonly number[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, gates.length);
  for (const gate of gates) encoding.writeVarUint(encoder, gate);
  return encoding.toUint8Array(encoder);
}

export function readGates(payload: Uint8Array): number[] {
  return decodeAll(payload, 'gates', (decoder) => {
    const count = readUint(decoder);
    if (count > MAX_CLAIMS) throw new ProtocolError(`a GATES message lists ${count} gates`);
    const gates: number[] = [];
    for (let i = 0; i < count; i++) gates.push(readUint(decoder));
    return gates;
  });
}

export interface GateClaimsOptions {
  registrar: Registrar;
  logger: Logger;
  /** The gates whose worker runs here now. */
  running: () => number[];
  /** Pushes pending document updates now, so that a message sent next follows them on every link. */
  flush: () => void;
  /** The open links to peers. */
  links: () => PeerLink[];
  /**
   * Whether `link` is the link of a live member: a claim counts only while its node is alive to
   * membership (declared dead, its gates are taken over even before its link has closed).
   */
  isLive: (link: PeerLink) => boolean;
}

export interface GateClaimsEvents {
  /** A peer's claims changed (a GATES message, or its link went). */
  'claims:changed': [];
}

export class GateClaims extends EventEmitter<GateClaimsEvents> implements Startable, LinkObserver {
  readonly name = 'claims';
  private readonly options: GateClaimsOptions;
  private readonly log: Logger;
  private readonly claims = new Map<PeerLink, Set<number>>();
  private lastSent = '';

  constructor(options: GateClaimsOptions) {
    super();
    this.options = options;
    this.log = options.logger.child({ component: 'claims' });
    options.registrar.handle(MessageType.GATES, this.name, (link, payload) => this.received(link, payload));
    options.registrar.observe(this);
  }

  start(): void {}

  /** Graceful stop, after the gates drained: every peer learns that this node runs nothing. */
  beforeStop(): void {
    this.announce();
  }

  stop(): void {}

  onLinkUp(link: PeerLink): void {
    link.send(MessageType.GATES, writeGates(this.options.running()));
  }

  onLinkDown(link: PeerLink): void {
    if (this.claims.delete(link)) this.emit('claims:changed');
  }

  onLinkReplaced(previous: PeerLink, next: PeerLink): void {
    const held = this.claims.get(previous);
    this.claims.delete(previous);
    if (held !== undefined) this.claims.set(next, held);
    // What was in flight on the closed link may be lost: the kept link hears our set again.
    next.send(MessageType.GATES, writeGates(this.options.running()));
  }

  /** The peer that says it runs `gate`, if any (a name). */
  claimant(gate: number): string | undefined {
    for (const [link, gates] of this.claims) if (link.open && gates.has(gate) && this.options.isLive(link)) return link.remote.name;
    return undefined;
  }

  /** Tells every peer the gates that run here now (after pushing the writes made so far). */
  announce(): void {
    const running = this.options.running();
    const key = running.join(',');
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.options.flush();
    const payload = writeGates(running);
    for (const link of this.options.links()) if (link.open) link.send(MessageType.GATES, payload);
  }

  private received(link: PeerLink, payload: Uint8Array): void {
    const gates = new Set(readGates(payload));
    this.claims.set(link, gates);
    this.log.debug({ peer: link.remote.name, gates: [...gates] }, 'peer gates');
    this.emit('claims:changed');
  }
}
