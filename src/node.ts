/**
 * The one object that wires a parking node: the lot document, the HTTP API (and the /peer endpoint on
 * the same port), the transport, membership, replication, gate placement and workers, command
 * routing and discovery. It implements ParkingApi, which the HTTP API, the CLI and the REPL use.
 *
 *   start(): listen -> name -> transport -> membership/replicator/gates -> discovery -> ready
 *   stop():  refuse new commands -> drain gate workers -> flush deltas -> LEAVE -> unpublish -> close
 */
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { createApiServer } from './api/server.js';
import { systemClock, type Clock } from './clock.js';
import { Dialer } from './cluster/dialer.js';
import { JoinGate } from './cluster/join-gate.js';
import { Membership, type MemberEvent } from './cluster/membership.js';
import { Replicator } from './cluster/replicator.js';
import type { Config } from './config/schema.js';
import { configWarnings } from './config/load.js';
import { LotDocument, type ChangeInfo } from './crdt/lot-document.js';
import { createDiscovery, type Discovery } from './discovery/index.js';
import { GateUnavailableError, isParkingError, NodeStoppingError, ProtocolError } from './errors.js';
import { CommandRouter } from './gates/command-router.js';
import { GateService, type GateCommand } from './gates/gate-service.js';
import { GateTable, type GateMove } from './gates/gate-table.js';
import { validateCommand } from './lot/index.js';
import { createLogger, silentLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { randomId, systemRandom, type Random } from './random.js';
import { WsTransport } from './transport/ws-transport.js';
import type { AdmitFn, PeerIdentity, PeerLink, Transport } from './transport/types.js';
import type { Car, ClusterView, CommandOptions, ExitResult, LotView, NodeStatus, ParkingApi } from './types.js';
import { listen } from './node-listen.js';
import { VERSION } from './version.js';

/** Injected services (libp2p's "components"): tests swap in a fake clock or an in-memory transport. */
export interface NodeComponents {
  logger: Logger;
  clock: Clock;
  random: Random;
  metrics: Metrics;
  /** Builds the transport once the node knows who it is. Default: WebSockets on the node's port. */
  createTransport?: (identity: PeerIdentity, admit: AdmitFn) => Transport;
  /** Builds discovery. Default: from the config's `discovery` setting. */
  createDiscovery?: (node: Node) => Discovery;
  /** Per-process id; default random. */
  incarnation?: string;
  /** Collect process metrics (CPU, heap, event loop): on for a node that owns its process. */
  processMetrics?: boolean;
  /** Told the node's name once it is known (the logger of Node.create names every line with it). */
  onName?: (name: string) => void;
}

export interface NodeEvents {
  'member:up': [MemberEvent];
  'member:suspect': [MemberEvent];
  'member:down': [MemberEvent];
  'member:left': [MemberEvent];
  'gate:moved': [GateMove];
  /** A plate went from outside to inside on this replica (local or replicated change). */
  'car:entered': [Car, ChangeInfo];
  /** A plate's last visit ended on this replica. */
  'car:left': [Car, ChangeInfo];
  'node:ready': [];
  'node:stopping': [];
}

export class Node extends EventEmitter<NodeEvents> implements ParkingApi {
  readonly config: Config;
  readonly incarnation: string;
  readonly lot: LotDocument;
  readonly metrics: Metrics;
  private readonly components: NodeComponents;
  private readonly log: Logger;
  private readonly table: GateTable;
  private server: Server | undefined;
  private transport: Transport | undefined;
  private membership: Membership | undefined;
  private replicator: Replicator | undefined;
  private service: GateService | undefined;
  private router: CommandRouter | undefined;
  private dialer: Dialer | undefined;
  private discovery: Discovery | undefined;
  private identity: PeerIdentity | undefined;
  private startedAt = 0;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private join: JoinGate | undefined;
  private stopping: Promise<void> | undefined;

  /** Creates a node from a validated config; nothing listens until start(). */
  static async create(config: Config, components: Partial<NodeComponents> = {}): Promise<Node> {
    if (components.logger !== undefined) return new Node(config, components);
    const pretty = config.logFormat === 'auto' ? undefined : config.logFormat === 'pretty';
    // The name may depend on the port, bound in start(): every line reads it when written.
    const named: { node?: string } = {};
    const root = await createLogger({ level: config.logLevel, mixin: () => (named.node === undefined ? {} : { node: named.node }), ...(pretty === undefined ? {} : { pretty }) });
    return new Node(config, { ...components, logger: root, processMetrics: true, onName: (name) => (named.node = name) });
  }

  constructor(config: Config, components: Partial<NodeComponents> = {}) {
    super();
    this.config = config;
    this.components = {
      logger: components.logger ?? silentLogger(),
      clock: components.clock ?? systemClock,
      random: components.random ?? systemRandom(),
      metrics: components.metrics ?? createMetrics({ processMetrics: components.processMetrics === true }),
      ...components,
    };
    this.incarnation = components.incarnation ?? randomId(8);
    this.log = this.components.logger.child({ component: 'node' });
    this.metrics = this.components.metrics;
    this.metrics.spaces.set(config.spaces);
    this.lot = new LotDocument();
    this.lot.on('car:entered', (car, info) => {
      this.metrics.occupancy.set(this.lot.occupied);
      this.emit('car:entered', car, info);
    });
    this.lot.on('car:left', (car, info) => {
      this.metrics.occupancy.set(this.lot.occupied);
      this.emit('car:left', car, info);
    });
    this.table = new GateTable({ gates: config.gates, clock: this.components.clock });
  }

  /** The node's name (known once started). */
  get name(): string {
    return this.identity?.name ?? this.config.name;
  }

  /** The node's URL (known once started). */
  get url(): string {
    return this.identity?.url ?? '';
  }

  /** Listens, joins the cluster and starts the gates. Idempotent. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'starting';
    const { clock, random, metrics, logger } = this.components;
    this.startedAt = clock.monotonic();
    const server = createApiServer({
      api: this,
      metrics,
      logger,
      clock,
      bodyLimitBytes: this.config.bodyLimitBytes,
      readiness: () => this.readiness(),
      liveness: () => (this.state === 'stopped' ? { ok: false, reason: 'stopped' } : { ok: true }),
      events: this,
      upgrade: { path: '/peer', handle: (req, socket, head) => (this.transport instanceof WsTransport ? this.transport.handleUpgrade(req, socket, head) : socket.destroy()) },
    });
    this.server = server;
    const port = await listen(server, this.config.host, this.config.port);
    const advertise = this.config.advertiseHost !== '' ? this.config.advertiseHost : advertisedHost(this.config.host);
    const name = this.config.name !== '' ? this.config.name : port === 4000 ? hostname() : `${hostname()}-${port}`;
    const hostInUrl = advertise.includes(':') ? `[${advertise}]` : advertise;
    this.identity = { cluster: this.config.cluster, name, incarnation: this.incarnation, url: `http://${hostInUrl}:${port}` };
    this.components.onName?.(name);
    this.log.info({ url: this.identity.url, incarnation: this.incarnation }, 'node starting');

    // Not placed until joined (see checkJoined): a node with an empty replica runs no gate.
    const membership = new Membership({ self: this.identity, clock, logger, heartbeatIntervalMs: this.config.heartbeatIntervalMs, suspectTimeoutMs: this.config.suspectTimeoutMs, failureTimeoutMs: this.config.failureTimeoutMs, selfReady: false });
    const replicator = new Replicator({ lot: this.lot, clock, logger, antiEntropyIntervalMs: this.config.antiEntropyIntervalMs, replicationAckTimeoutMs: this.config.replicationAckTimeoutMs, pushCoalesceMs: this.config.pushCoalesceMs, canAnnounce: () => this.joined });
    this.join = new JoinGate({
      clock,
      windowMs: this.joinWindowMs(),
      pendingDials: () => this.dialer?.initialPending() ?? 0,
      allSynced: () => replicator.allSynced(),
      onJoined: () => {
        this.log.info({ peers: this.transport?.links().length ?? 0 }, 'joined');
        membership.setSelfReady(true);
        replicator.announceSynced();
      },
    });
    const service = new GateService({ lot: this.lot, clock, metrics, node: name, gates: this.config.gates, spaces: this.config.spaces, whenReplicated: () => replicator.whenReplicated() });
    const router = new CommandRouter({ self: name, table: this.table, service, lot: this.lot, linkOf: (n) => membership.linkOf(n), clock, random, logger, metrics, commandDeadlineMs: this.config.commandDeadlineMs });
    Object.assign(this, { membership, replicator, service, router });
    for (const warning of configWarnings(this.config)) this.log.warn({ warning }, 'risky config');

    for (const event of ['member:up', 'member:suspect', 'member:down', 'member:left'] as const) {
      membership.on(event, (e: MemberEvent) => this.emit(event, e));
    }
    membership.on('view:changed', (names) => this.table.update(names));
    this.table.on('gate:moved', (move) => this.onGateMoved(move));
    this.table.update(membership.placementNames());

    const admit: AdmitFn = (remote, context) => membership.admit(remote, context);
    const transport = this.components.createTransport?.(this.identity, admit) ?? new WsTransport({
      identity: this.identity,
      cookie: this.config.cookie,
      clock,
      logger,
      admit,
      maxPayloadBytes: this.config.maxPeerMessageBytes,
      maxBufferedBytes: this.config.maxPeerBufferedBytes,
      onBytes: (direction, type, bytes) => (direction === 'sent' ? metrics.peerBytesSent : metrics.peerBytesReceived).inc({ type: String(type) }, bytes),
    });
    this.transport = transport;
    transport.on('link:up', (link) => this.onLinkUp(link));
    transport.on('link:down', (link, reason) => this.onLinkDown(link, reason));
    transport.on('link:refused', (info) => this.log.warn({ direction: info.direction, address: info.remoteAddress, reason: info.reason, peer: info.remote?.name }, 'peer refused'));
    await transport.start();

    replicator.on('peer:caught-up', (link) => membership.caughtUp(link));
    replicator.on('peer:synced', () => this.checkJoined());
    this.dialer = new Dialer({
      transport, clock, random, logger,
      isLinked: (n) => membership.linkOf(n) !== undefined,
      onAttempt: () => this.checkJoined(),
      // Long enough for a peer to declare our previous incarnation dead, then count the peer as tried.
      duplicateNameWaitMs: this.config.failureTimeoutMs + 2 * this.config.heartbeatIntervalMs,
    });
    membership.start();
    replicator.start();
    const discovery = this.components.createDiscovery?.(this) ?? this.defaultDiscovery(port, advertise);
    this.discovery = discovery;
    // Peers found before this node joined are waited for (tried once) before it runs gates.
    discovery.on('peer:found', (peer) => this.dialer?.add(peer.address, !this.joined));
    discovery.on('peer:lost', (peer) => this.dialer?.remove(peer.address));
    await discovery.start();
    // Until every peer known now was tried once and every link is caught up, this node runs no gate:
    // a node (re)joining with an empty replica must not answer for a lot it has not seen yet.
    for (const peer of discovery.peers()) this.dialer.add(peer.address, true);
    // Peers that the first round reports (a DNS answer) are waited for, however late it comes.
    if (discovery.firstRound !== undefined) this.join.waitFor(discovery.firstRound());
    this.state = 'running';
    this.join.open();
    this.log.info({ url: this.identity.url, ms: Math.round(clock.monotonic() - this.startedAt) }, 'node ready');
    this.emit('node:ready');
  }

  /**
   * Graceful shutdown: stop taking commands, let running ones finish, push pending deltas, tell peers
   * we leave (they move our gates at once), stop discovery (mDNS goodbye), close. Idempotent; gives up
   * waiting after shutdownTimeoutMs.
   */
  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.emit('node:stopping');
    this.log.info({}, 'node stopping');
    const { clock } = this.components;
    const graceful = async () => {
      this.router?.stop();
      await this.service?.releaseAll();
      await this.replicator?.flushNow();
      this.membership?.announceLeave();
    };
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    await Promise.race([graceful(), new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, this.config.shutdownTimeoutMs)))]);
    if (timer !== undefined) clock.clearTimeout(timer);
    this.join?.close();
    this.dialer?.stop();
    await this.discovery?.stop().catch((err: unknown) => this.log.warn({ err }, 'discovery stop failed'));
    this.membership?.stop();
    this.replicator?.stop();
    await this.transport?.stop();
    await new Promise<void>((resolve) => {
      if (this.server === undefined) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.state = 'stopped';
    this.log.info({}, 'node stopped');
  }

  // ParkingApi ------------------------------------------------------------------------------------

  async trackEntry(plate: string, gate: number, options: CommandOptions = {}): Promise<Car> {
    return (await this.command('entry', plate, gate, options)) as Car;
  }

  async trackExit(plate: string, gate: number, options: CommandOptions = {}): Promise<ExitResult> {
    return (await this.command('exit', plate, gate, options)) as ExitResult;
  }

  async read(): Promise<LotView> {
    const occupied = this.lot.occupied;
    return { spaces: this.config.spaces, occupied, free: Math.max(0, this.config.spaces - occupied), cars: this.lot.cars() };
  }

  async cluster(): Promise<ClusterView> {
    return { self: this.name, members: this.membership?.view() ?? [], gates: this.table.view() };
  }

  async status(): Promise<NodeStatus> {
    const occupied = this.lot.occupied;
    return {
      name: this.name,
      url: this.url,
      cluster: this.config.cluster,
      incarnation: this.incarnation,
      version: VERSION,
      uptimeMs: Math.round(this.components.clock.monotonic() - this.startedAt),
      ready: this.readiness().ready,
      spaces: this.config.spaces,
      occupied,
      free: Math.max(0, this.config.spaces - occupied),
      gates: this.config.gates,
      gatesOwned: this.service?.owned() ?? [],
      membersAlive: this.membership?.liveNames().length ?? 1,
    };
  }

  /** Ready = running, and caught up with every linked peer (its first sync step 2 arrived). */
  readiness(): { ready: boolean; reason?: string } {
    if (this.state !== 'running') return { ready: false, reason: this.state };
    if (!this.joined) return { ready: false, reason: 'joining the cluster' };
    return { ready: true };
  }

  private async command(op: GateCommand['op'], plate: unknown, gate: unknown, options: CommandOptions): Promise<Car | ExitResult> {
    if (this.state === 'new' || this.state === 'starting') throw new GateUnavailableError(typeof gate === 'number' ? gate : 0, 'the node is still starting');
    if (this.state !== 'running' || this.router === undefined) throw new NodeStoppingError();
    let valid: { plate: string; gate: number };
    try {
      valid = validateCommand(plate, gate, this.config.gates);
    } catch (err) {
      if (isParkingError(err)) this.metrics.rejections.inc({ code: err.code });
      throw err;
    }
    return this.router.execute({ op, ...valid, requestId: options.requestId ?? randomId(12) });
  }

  private onLinkUp(link: PeerLink): void {
    this.membership?.linkUp(link);
    this.replicator?.addLink(link);
    this.metrics.peers.set(this.transport?.links().length ?? 0);
    link.on('message', (type: number, payload: Uint8Array) => this.dispatch(link, type, payload));
    // Bytes of a large frame still arriving (a big step 2 on a slow link) are a sign of life too.
    link.on('activity', () => this.membership?.heard(link));
  }

  /**
   * How long a starting node listens for peers before it may run gates alone: mDNS answers arrive
   * about a second after start (probing); static peers are known at once; DNS waits for its first
   * poll instead (discovery.firstRound()).
   */
  private joinWindowMs(): number {
    if (this.components.createDiscovery !== undefined) return 0;
    // DNS also waits for its first poll (firstRound), however long that takes.
    return this.config.discovery === 'mdns' ? 1500 : 0;
  }

  /** True once this node has joined (see src/cluster/join-gate.ts). */
  private get joined(): boolean {
    return this.join?.joined ?? false;
  }

  private checkJoined(): void {
    if (this.state === 'running') this.join?.check();
  }

  private onLinkDown(link: PeerLink, reason: string): void {
    this.membership?.linkDown(link, reason);
    this.replicator?.removeLink(link);
    // A link replaced by its duplicate is not a peer gone: the kept link comes up next and syncs.
    if (reason !== 'duplicate-link') this.checkJoined();
    this.router?.linkDown(link);
    this.dialer?.linkDown(link.remote.name);
    this.metrics.peers.set(this.transport?.links().length ?? 0);
  }

  /** Bad bytes from a peer never throw past here: log the peer and the code, drop the link. */
  private dispatch(link: PeerLink, type: number, payload: Uint8Array): void {
    try {
      this.membership?.heard(link);
      if (this.membership?.handle(link, type) === true) return;
      if (this.replicator?.handle(link, type, payload) === true) return;
      if (this.router?.handle(link, type, payload) === true) return;
      throw new ProtocolError(`unexpected message type ${type}`);
    } catch (err) {
      const code = isParkingError(err) ? err.code : 'ERR_INTERNAL';
      this.log.warn({ peer: link.remote.name, code, err: (err as Error).message }, 'bad message from peer, closing link');
      link.close('protocol');
    }
  }

  private onGateMoved(move: GateMove): void {
    if (move.to === this.name) this.service?.acquire(move.gate);
    else if (move.from === this.name) void this.service?.release(move.gate);
    if (this.state === 'running') this.log.info({ gate: move.gate, from: move.from, to: move.to }, 'gate moved');
    this.emit('gate:moved', move);
  }

  private defaultDiscovery(port: number, advertise: string): Discovery {
    const c = this.config;
    return createDiscovery(
      {
        kind: c.discovery,
        peers: c.peers,
        ...(c.mdnsInterface !== '' ? { mdnsInterface: c.mdnsInterface } : {}),
        dnsName: c.dnsName,
        ...(c.dnsSrv !== '' ? { dnsSrv: c.dnsSrv } : {}),
        // An empty list means "the system resolvers" (config default): pass none, since the DNS
        // strategy refuses an explicit empty list.
        ...(c.dnsServers.length > 0 ? { dnsServers: c.dnsServers } : {}),
        dnsIntervalMs: c.dnsIntervalMs,
      },
      { self: { ...this.identity!, host: advertise, port }, clock: this.components.clock, logger: this.components.logger },
    );
  }
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
