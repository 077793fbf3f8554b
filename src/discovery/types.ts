/**
 * The one interface behind which every discovery strategy sits. Discovery only finds addresses to
 * dial; whether a peer is alive is the cluster heartbeat's business (see README.md, "Liveness").
 */
import type { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

/** A peer that a strategy has found: somewhere to dial, plus what the strategy knows about it. */
export interface DiscoveredPeer {
  /** `host:port` to dial (`[v6]:port` for IPv6 literals). */
  address: string;
  /** The peer's node name, when the strategy carries it (mDNS does, static and DNS do not). */
  name?: string;
  /** The peer's per-process incarnation, when the strategy carries it (mDNS). */
  incarnation?: string;
}

/** Typed event map of a {@link Discovery}. */
export interface DiscoveryEvents {
  /** A new address to dial (or a known address with a new name/incarnation). */
  'peer:found': [DiscoveredPeer];
  /** The strategy no longer lists this peer. A hint only: it is not a failure detector. */
  'peer:lost': [DiscoveredPeer];
}

/** The strategies that {@link createDiscovery} knows. */
export type DiscoveryKind = 'static' | 'mdns' | 'dns' | 'none';

/** A running discovery strategy. */
export interface Discovery extends EventEmitter<DiscoveryEvents> {
  readonly kind: DiscoveryKind;
  /** Starts finding peers. Idempotent: a second call while started does nothing. */
  start(): Promise<void>;
  /** Stops finding peers and forgets them (no `peer:lost` is emitted). Idempotent. mDNS sends a goodbye first. */
  stop(): Promise<void>;
  /** The peers currently known (copies). */
  peers(): DiscoveredPeer[];
  /**
   * How long a starting node listens for peers before it may run gates alone, in ms: how long this
   * strategy takes to report the peers that are already there. Absent: 0 (static peers are known at
   * once; DNS waits for `firstRound()` instead).
   */
  readonly joinWindowMs?: number;
  /**
   * Resolves when the first round of finding peers is over (dns: the first poll answered or failed),
   * so a starting node knows whom to wait for. Absent: the peers known after start() are all.
   */
  firstRound?(): Promise<void>;
}

/** Who we are, so that a strategy can advertise us and skip ourselves. */
export interface SelfInfo {
  cluster: string;
  name: string;
  incarnation: string;
  /** The host peers should dial (what we advertise). `0.0.0.0` means "every local address". */
  host: string;
  port: number;
  url: string;
}

/**
 * User options of discovery (the `Init` half; injected services are {@link DiscoveryComponents}).
 * Defaults and the trade-off of each field are in src/discovery/README.md.
 */
export interface DiscoveryOptions {
  kind: DiscoveryKind;
  /** static: `host:port` of each peer; may include ourselves (skipped). */
  peers?: string[];
  /** mdns: IPv4 address of the interface to announce on. Default: loopback only (this machine). */
  mdnsInterface?: string;
  /** dns: fully qualified name whose A records list the peers (a Kubernetes headless service). */
  dnsName?: string;
  /** dns: fully qualified SRV name; each record gives `target:port`. */
  dnsSrv?: string;
  /** dns: DNS servers (`ip` or `ip:port`). Default: the system resolvers. */
  dnsServers?: string[];
  /** dns: port to dial at each A-record address. Default: our own port. */
  dnsPort?: number;
  /** dns: poll interval in ms. Default 2000. */
  dnsIntervalMs?: number;
}

/** Services injected into a discovery strategy. */
export interface DiscoveryComponents {
  self: SelfInfo;
  clock: Clock;
  logger: Logger;
}
