/**
 * Which gates each peer says it runs, and ours told to every peer: the guard that keeps a gate from
 * running on two nodes while the cluster is connected. Placement (gate-table.ts) says where a gate
 * should run; a node starts a gate's worker only once no live peer claims it (src/gates/rebalancer.ts).
 *
 *   GATES  varuint count, then `count` varuint gate numbers: every gate the sender runs now;
 *          then varuint peers, and for each: varstring name, varuint count, gate numbers: what each
 *          of the sender's live linked peers says it runs (relayed claims, one hop)
 *
 * Sent to a new link at once (so a joiner knows who runs what before its first step 2 arrives, which
 * it waits for), and to every link whenever the set changes. A release is announced after the gate's
 * worker drained and after the replicator pushed its writes (`flush`), so on the ordered link the new
 * owner has applied the old owner's writes by the time it reads the release: a graceful handoff needs
 * no extra sync. A claim dies with its link; the gate is then taken over after a sync with every
 * reachable peer (the rebalancer), since the dead owner's last writes may sit on any of them.
 *
 * Relayed claims cover a partial partition (A reaches B and C, B and C are cut): B declares C dead,
 * but A still relays that C runs gate G, so B does not start G (it would run twice), and the router
 * sends B's commands for G through A, which relays them to C (command-router.ts). A node's own link
 * to the claimant, when it has one, is what counts: relayed claims matter only about nodes this one
 * is not linked to, and they are never relayed further.
 */
import { EventEmitter } from 'node:events';
import * as encoding from 'lib0/encoding';
import { decodeAll, readString, readUint, type Decoder } from '../crdt/binary.js';
import { ProtocolError } from '../errors.js';
import type { Startable } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { MessageType } from '../message-types.js';
import type { LinkObserver, Registrar } from '../transport/registrar.js';
import type { PeerLink } from '../transport/types.js';

/** More gate numbers than any lot has: a bound for reading a peer's list. */
const MAX_CLAIMS = 65_536;

/** A GATES message: the sender's gates, and what its linked peers say they run. */
export interface GatesMessage {
  gates: number[];
  relayed: Map<string, number[]>;
}

/** Peers a GATES message may relay claims for: a cluster is a handful of nodes. */
const MAX_RELAYED = 1024;

function writeList(encoder: encoding.Encoder, gates: readonly number[]): void {
  encoding.writeVarUint(encoder, gates.length);
  for (const gate of gates) encoding.writeVarUint(encoder, gate);
}

function readList(decoder: Decoder): number[] {
  const count = readUint(decoder);
  if (count > MAX_CLAIMS) throw new ProtocolError(`a GATES message lists ${count} gates`);
  const gates: number[] = [];
  for (let i = 0; i < count; i++) gates.push(readUint(decoder));
  return gates;
}

export function writeGates(message: GatesMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  writeList(encoder, message.gates);
  encoding.writeVarUint(encoder, message.relayed.size);
  for (const [name, gates] of message.relayed) {
    encoding.writeVarString(encoder, name);
    writeList(encoder, gates);
  }
  return encoding.toUint8Array(encoder);
}

export function readGates(payload: Uint8Array): GatesMessage {
  return decodeAll(payload, 'gates', (decoder) => {
    const gates = readList(decoder);
    const peers = readUint(decoder);
    if (peers > MAX_RELAYED) throw new ProtocolError(`a GATES message relays ${peers} peers`);
    const relayed = new Map<string, number[]>();
    for (let i = 0; i < peers; i++) relayed.set(readString(decoder, 1024, 'name'), readList(decoder));
    return { gates, relayed };
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
  /** This node's name (never a relayed claimant). */
  self: string;
  /** Whether this node has a live link to the member `name` (its own claims then count, not relayed ones). */
  isLinked: (name: string) => boolean;
  /**
   * Whether `link` is the link of a live member: a claim counts only while its node is alive to
   * membership (declared dead, its gates are taken over even before its link has closed).
   */
  isLive: (link: PeerLink) => boolean;
}

export interface GateClaimsEvents {
  /** A peer's claims changed (a GATES message, or its link went). */
  'claims:changed': [];
  /** The first GATES on a link arrived (after 'claims:changed'): what the peer runs is known. */
  'claims:known': [PeerLink];
}

export class GateClaims extends EventEmitter<GateClaimsEvents> implements Startable, LinkObserver {
  readonly name = 'claims';
  private readonly options: GateClaimsOptions;
  private readonly log: Logger;
  private readonly claims = new Map<PeerLink, Set<number>>();
  /** Per link: what the peer relays of its own linked peers' claims, by name. */
  private readonly relayed = new Map<PeerLink, Map<string, Set<number>>>();
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
    link.send(MessageType.GATES, writeGates(this.message()));
  }

  onLinkDown(link: PeerLink): void {
    const had = this.claims.delete(link);
    const relayed = this.relayed.delete(link);
    if (!had && !relayed) return;
    this.emit('claims:changed');
    // The claims we relay for this peer are gone: our other peers must hear it.
    this.announce();
  }

  onLinkReplaced(previous: PeerLink, next: PeerLink): void {
    const held = this.claims.get(previous);
    const relayed = this.relayed.get(previous);
    this.claims.delete(previous);
    this.relayed.delete(previous);
    if (held !== undefined) this.claims.set(next, held);
    if (relayed !== undefined) this.relayed.set(next, relayed);
    // What was in flight on the closed link may be lost: the kept link hears our set again.
    next.send(MessageType.GATES, writeGates(this.message()));
  }

  /** The node that runs `gate`, as its own claim or as relayed by a peer, if any (a name). */
  claimant(gate: number): string | undefined {
    return this.runner(gate)?.name;
  }

  /**
   * Who runs `gate`: a live peer that claims it on its own link, or else a node this one is not
   * linked to whose claim a live peer relays (`via` that peer's link: the router sends there).
   */
  runner(gate: number): { name: string; link: PeerLink; relayed: boolean } | undefined {
    for (const [link, gates] of this.claims) {
      if (link.open && gates.has(gate) && this.options.isLive(link)) return { name: link.remote.name, link, relayed: false };
    }
    for (const [link, byName] of this.relayed) {
      if (!link.open || !this.options.isLive(link)) continue;
      for (const [name, gates] of byName) {
        if (gates.has(gate) && name !== this.options.self && !this.options.isLinked(name)) return { name, link, relayed: true };
      }
    }
    return undefined;
  }

  /**
   * The nodes that a live peer says run gates but that this node has no link to (sorted names). A
   * node that joins or ends a fence waits until this is empty (src/cluster/join.ts): a gate runner's
   * writes are acknowledged by its linked peers only, so one this node cannot hear from may have
   * acknowledged writes that this replica lacks.
   */
  unlinkedRunners(): string[] {
    const names = new Set<string>();
    for (const [link, byName] of this.relayed) {
      if (!link.open || !this.options.isLive(link)) continue;
      for (const [name, gates] of byName) {
        if (gates.size > 0 && name !== this.options.self && !this.options.isLinked(name)) names.add(name);
      }
    }
    return [...names].sort();
  }

  /** Tells every peer the gates that run here now and those its peers claim (after pushing the writes made so far). */
  announce(): void {
    const message = this.message();
    const key = JSON.stringify([message.gates, [...message.relayed]]);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.options.flush();
    const payload = writeGates(message);
    for (const link of this.options.links()) if (link.open) link.send(MessageType.GATES, payload);
  }

  private message(): GatesMessage {
    const relayed = new Map<string, number[]>();
    for (const [link, gates] of this.claims) {
      if (link.open && this.options.isLive(link) && gates.size > 0)
        relayed.set(
          link.remote.name,
          [...gates].sort((a, b) => a - b),
        );
    }
    return { gates: this.options.running(), relayed };
  }

  private received(link: PeerLink, payload: Uint8Array): void {
    const message = readGates(payload);
    const first = !this.claims.has(link);
    const before = [...(this.claims.get(link) ?? [])].join(',');
    this.claims.set(link, new Set(message.gates));
    this.relayed.set(link, new Map([...message.relayed].map(([name, gates]) => [name, new Set(gates)])));
    this.log.debug({ peer: link.remote.name, gates: message.gates }, 'peer gates');
    this.emit('claims:changed');
    if (first) this.emit('claims:known', link);
    // Our peers learn this peer's claims from us (one hop).
    if (before !== message.gates.join(',')) this.announce();
  }
}
