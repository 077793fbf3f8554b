/**
 * The in-memory twin of {@link WsTransport}, for deterministic cluster tests on a fake clock. The
 * handshake, links, admission and duplicate rule are the same code as over WebSockets; only the
 * pipe differs: every frame is delivered by `clock.setTimeout(latencyMs [+ jitter])`.
 *
 * Faults: `partition` (frames between the groups vanish, links stay open like a cut cable until the
 * upper heartbeat notices), `setLoss` and `jitterMs` (drop or reorder application frames; handshake
 * frames are never lost or reordered, since TCP would not lose them either), `crash` (a node's links
 * close abruptly; its peers see 'closed').
 */
import type { Clock } from '../clock.js';
import { ConfigError, HandshakeError } from '../errors.js';
import type { Random } from '../random.js';
import { BaseTransport, type TransportOptions } from './base-transport.js';
import type { FrameConn } from './conn.js';
import { isHandshakeType } from './envelope.js';
import { RefuseReasons, type PeerLink } from './types.js';

export interface MemoryNetworkOptions {
  clock: Clock;
  /** Seeded randomness for loss and jitter. Default: never lose, never jitter. */
  random?: Random;
  /** One-way delay of every frame. Default 1 ms. */
  latencyMs?: number;
  /** Extra delay in [0, jitterMs) per application frame, which reorders them. Default 0. */
  jitterMs?: number;
  /** Probability that an application frame is dropped. Default 0. */
  lossRate?: number;
}

export interface MemoryTransportOptions extends Omit<TransportOptions, 'clock'> {
  /** Where others dial this node. Default: `identity.url`. */
  address?: string;
}

/** One end of an in-memory pipe. */
class MemoryConn implements FrameConn {
  onFrame: FrameConn['onFrame'] = () => undefined;
  onClose: FrameConn['onClose'] = () => undefined;
  peer: MemoryConn | undefined;
  opened: boolean;
  readonly bufferedAmount = 0;
  private isClosed = false;
  private markClosed!: () => void;
  private readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  constructor(
    private readonly network: MemoryNetwork,
    readonly owner: string,
    readonly remoteAddress: string,
    opened: boolean,
  ) {
    this.opened = opened;
  }

  send(frame: Uint8Array, done?: () => void): void {
    if (!this.isClosed && this.peer !== undefined) this.network.transmit(this, this.peer, frame);
    done?.();
  }

  close(code: number, reason: string): void {
    if (this.isClosed) return;
    this.setClosed();
    if (this.peer !== undefined) this.network.transmitClose(this.peer, code, reason);
  }

  terminate(): void {
    this.close(1006, '');
  }

  /** The process died: both ends see an abrupt close, ours at once. */
  crash(): void {
    if (this.isClosed) return;
    this.terminate();
    this.onClose(1006, '', undefined);
  }

  /** The other end closed (or the dial found nobody: `cause`). */
  closedByPeer(code: number, reason: string, cause?: string): void {
    if (this.isClosed) return;
    this.setClosed();
    this.onClose(code, reason, cause);
  }

  receive(frame: Uint8Array): void {
    if (!this.isClosed) this.onFrame(frame, true);
  }

  whenClosed(): Promise<void> {
    return this.closed;
  }

  private setClosed(): void {
    this.isClosed = true;
    this.markClosed();
  }
}

/** A simulated network of {@link MemoryTransport}s sharing one clock. */
export class MemoryNetwork {
  readonly clock: Clock;
  latencyMs: number;
  jitterMs: number;
  private lossRate: number;
  private readonly random: Random;
  private readonly byAddress = new Map<string, MemoryTransport>();
  private partitions: Array<[Set<string>, Set<string>]> = [];

  constructor(options: MemoryNetworkOptions) {
    this.clock = options.clock;
    this.random = options.random ?? (() => 0.5);
    this.latencyMs = options.latencyMs ?? 1;
    this.jitterMs = options.jitterMs ?? 0;
    this.lossRate = options.lossRate ?? 0;
  }

  /** A transport registered at `address` (default `identity.url`) until it stops or crashes. */
  createTransport(options: MemoryTransportOptions): MemoryTransport {
    const address = options.address ?? options.identity.url;
    if (this.byAddress.has(address)) throw new ConfigError('address', `${address} is already in use on the memory network`);
    const transport = new MemoryTransport(this, address, options);
    this.byAddress.set(address, transport);
    return transport;
  }

  /** Frames between a node named in `groupA` and one named in `groupB` vanish (both ways) until {@link heal}. */
  partition(groupA: string[], groupB: string[]): void {
    this.partitions.push([new Set(groupA), new Set(groupB)]);
  }

  /** Removes every partition. */
  heal(): void {
    this.partitions = [];
  }

  /** Kills the node named `name`: its links close abruptly, its address becomes unreachable. */
  crash(name: string): void {
    for (const transport of [...this.byAddress.values()]) if (transport.identity.name === name) transport.crash();
  }

  /** Sets the probability that an application frame is lost. */
  setLoss(rate: number): void {
    this.lossRate = rate;
  }

  /** True when no partition separates the two node names. */
  reachable(a: string, b: string): boolean {
    return !this.partitions.some(([x, y]) => (x.has(a) && y.has(b)) || (y.has(a) && x.has(b)));
  }

  /** @internal Opens a pipe from `from` to whatever listens at `address`, after one latency. */
  open(from: MemoryTransport, address: string): MemoryConn {
    const client = new MemoryConn(this, from.identity.name, address, false);
    const target = this.byAddress.get(address);
    if (target !== undefined && !this.reachable(from.identity.name, target.identity.name)) return client; // the dial times out
    this.clock.setTimeout(() => {
      const server = this.byAddress.get(address);
      if (server === undefined) return client.closedByPeer(1006, '', 'ECONNREFUSED');
      const inbound = new MemoryConn(this, server.identity.name, `memory:${from.identity.name}`, true);
      inbound.peer = client;
      client.peer = inbound;
      client.opened = true;
      server.acceptConn(inbound);
    }, this.latencyMs);
    return client;
  }

  /** @internal */
  transmit(from: MemoryConn, to: MemoryConn, frame: Uint8Array): void {
    // Handshake frames are never lost or reordered (see the module comment); everything after may be.
    const application = !isHandshakeType(frame[1] ?? 0);
    if (!this.reachable(from.owner, to.owner)) return;
    if (application && this.lossRate > 0 && this.random() < this.lossRate) return;
    const jitter = application && this.jitterMs > 0 ? Math.floor(this.random() * this.jitterMs) : 0;
    this.clock.setTimeout(() => {
      // A cable cut while the frame was on the wire loses it too.
      if (this.reachable(from.owner, to.owner)) to.receive(frame);
    }, this.latencyMs + jitter);
  }

  /** @internal Close notices always arrive (after one latency), so no link dangles forever in tests. */
  transmitClose(to: MemoryConn, code: number, reason: string): void {
    this.clock.setTimeout(() => to.closedByPeer(code, reason), this.latencyMs);
  }

  /** @internal */
  unregister(transport: MemoryTransport): void {
    if (this.byAddress.get(transport.address) === transport) this.byAddress.delete(transport.address);
  }
}

/** A {@link Transport} on a {@link MemoryNetwork}. Create it with `network.createTransport`. */
export class MemoryTransport extends BaseTransport {
  private readonly memoryConns = new Set<MemoryConn>();

  constructor(
    private readonly network: MemoryNetwork,
    readonly address: string,
    options: MemoryTransportOptions,
  ) {
    super({ ...options, clock: network.clock });
  }

  dial(address: string): Promise<PeerLink> {
    if (!this.running) return Promise.reject(new HandshakeError(RefuseReasons.SHUTTING_DOWN, 'the transport is not running'));
    return this.connect(this.keep(this.network.open(this, address)), address);
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.network.unregister(this);
  }

  /** @internal A pipe dialed to our address. */
  acceptConn(conn: MemoryConn): void {
    this.accept(this.keep(conn), conn.remoteAddress);
  }

  /** @internal See {@link MemoryNetwork.crash}. */
  crash(): void {
    this.network.unregister(this);
    for (const conn of [...this.memoryConns]) conn.crash();
    void this.stop();
  }

  private keep(conn: MemoryConn): MemoryConn {
    this.memoryConns.add(conn);
    void conn.whenClosed().then(() => this.memoryConns.delete(conn));
    return conn;
  }
}
