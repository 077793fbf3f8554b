/**
 * A parking node: the facade over its components. `createNode` binds the port first, so the node's
 * identity (name, URL) is known before any component exists; every component is then built at once
 * (src/node/components.ts), and `start()`/`stop()` run their lifecycle in order (src/lifecycle.ts).
 * The node implements ParkingApi (src/node/commands.ts), which the HTTP API, the CLI and the REPL use.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { EVENT_TYPES } from './api/events.js';
import { createApiServer, type ApiServer } from './api/server.js';
import { GateUnavailableError } from './errors.js';
import type { MemberEvent } from './cluster/membership.js';
import { configWarnings } from './config/load.js';
import type { Config } from './config/schema.js';
import { LotDocument, type ChangeInfo } from './crdt/lot-document.js';
import type { GateMove } from './gates/gate-table.js';
import type { GateRun } from './gates/rebalancer.js';
import { runPhase, startAll } from './lifecycle.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { NodeCommands, type NodeState } from './node/commands.js';
import { buildParts, type NodeParts } from './node/components.js';
import { identityOf, type NodeIdentity } from './node/identity.js';
import { listen } from './node/listen.js';
import { nodeServices, type NodeOverrides, type NodeServices } from './node/services.js';
import { WsTransport } from './transport/ws-transport.js';
import type { Car, ClusterView, CommandOptions, ExitResult, LotView, NodeStatus, ParkingApi } from './types.js';

export type { NodeOverrides } from './node/services.js';

export interface NodeEvents {
  'member:up': [MemberEvent];
  'member:suspect': [MemberEvent];
  'member:down': [MemberEvent];
  'member:left': [MemberEvent];
  'gate:moved': [GateMove];
  /** The worker of a gate started on this node (after its previous owner's release and the takeover sync). */
  'gate:started': [GateRun];
  /** The worker of a gate stopped on this node (drained). */
  'gate:stopped': [GateRun];
  /** A plate went from outside to inside on this replica (local or replicated change). */
  'car:entered': [Car, ChangeInfo];
  /** A plate's last visit ended on this replica. */
  'car:left': [Car, ChangeInfo];
  'node:ready': [];
  'node:stopping': [];
}

/** Creates a node: binds its port (so its name and URL are known) and builds its components. */
export async function createNode(config: Config, overrides: NodeOverrides = {}): Promise<Node> {
  const { services, setName } = await nodeServices(config, overrides);
  const relay = new EventEmitter();
  const ref: { node?: Node } = {};
  const api = await createApiServer({
    api: lateApi(() => ref.node),
    metrics: services.metrics,
    logger: services.logger,
    clock: services.clock,
    bodyLimitBytes: config.bodyLimitBytes,
    readiness: () => ref.node?.readiness() ?? { ready: false, reason: 'starting' },
    liveness: () => (ref.node?.state === 'stopped' ? { ok: false, reason: 'stopped' } : { ok: true }),
    events: relay,
    upgrade: {
      path: '/peer',
      handle: (req, socket, head) => (ref.node === undefined ? socket.destroy() : ref.node.upgrade(req, socket, head)),
    },
  });
  let port: number;
  try {
    port = await listen(api.server, config.host, config.port);
  } catch (err) {
    await api.close();
    throw err;
  }
  const identity = identityOf(config, port, services.incarnation);
  setName(identity.name);
  const node = new Node(config, identity, services, api);
  for (const event of EVENT_TYPES) {
    node.on(event, (...args: unknown[]) => relay.emit(event, ...args));
  }
  ref.node = node;
  return node;
}

/**
 * A ParkingApi that answers through the node once it exists: the port is bound a moment before the
 * node is built, and a request in that moment is told the node is starting (503).
 */
function lateApi(node: () => Node | undefined): ParkingApi {
  const get = (): ParkingApi => {
    const n = node();
    if (n === undefined) throw new GateUnavailableError(0, 'the node is still starting');
    return n;
  };
  return {
    trackEntry: async (plate, gate, options) => get().trackEntry(plate, gate, options),
    trackExit: async (plate, gate, options) => get().trackExit(plate, gate, options),
    read: async () => get().read(),
    cluster: async () => get().cluster(),
    status: async () => get().status(),
  };
}

export class Node extends EventEmitter<NodeEvents> implements ParkingApi {
  readonly config: Config;
  readonly identity: NodeIdentity;
  readonly lot: LotDocument;
  readonly metrics: Metrics;
  readonly parts: NodeParts;
  private readonly services: NodeServices;
  private readonly api: ApiServer;
  private readonly commands: NodeCommands;
  private readonly log: Logger;
  private current: NodeState = 'new';
  private startedAt = 0;
  private stopping: Promise<void> | undefined;

  constructor(config: Config, identity: NodeIdentity, services: NodeServices, api: ApiServer) {
    super();
    this.config = config;
    this.identity = identity;
    this.services = services;
    this.api = api;
    this.metrics = services.metrics;
    this.log = services.logger.child({ component: 'node' });
    this.lot = new LotDocument();
    this.parts = buildParts(config, identity, services, this.lot);
    const { membership, rebalancer, service, router, table } = this.parts;
    this.commands = new NodeCommands({
      config,
      identity,
      clock: services.clock,
      metrics: this.metrics,
      lot: this.lot,
      membership,
      table,
      service,
      router,
      state: () => this.current,
      readiness: () => this.readiness(),
      startedAt: () => this.startedAt,
    });
    this.metrics.spaces.set(config.spaces);
    this.lot.on('car:entered', (car, info) => {
      this.metrics.occupancy.set(this.lot.occupied);
      this.emit('car:entered', car, info);
    });
    this.lot.on('car:left', (car, info) => {
      this.metrics.occupancy.set(this.lot.occupied);
      this.emit('car:left', car, info);
    });
    for (const event of ['member:up', 'member:suspect', 'member:down', 'member:left'] as const)
      membership.on(event, (e: MemberEvent) => this.emit(event, e));
    rebalancer.on('gate:moved', (move) => this.emit('gate:moved', move));
    rebalancer.on('gate:started', (run) => this.emit('gate:started', run));
    rebalancer.on('gate:stopped', (run) => this.emit('gate:stopped', run));
  }

  get name(): string {
    return this.identity.name;
  }

  get url(): string {
    return this.identity.url;
  }

  get incarnation(): string {
    return this.identity.incarnation;
  }

  get state(): NodeState {
    return this.current;
  }

  /** Starts every component, in order. Idempotent. */
  async start(): Promise<void> {
    if (this.current !== 'new') return;
    this.current = 'starting';
    this.startedAt = this.services.clock.monotonic();
    this.log.info({ url: this.url, incarnation: this.incarnation }, 'node starting');
    for (const warning of configWarnings(this.config)) this.log.warn({ warning }, 'risky config');
    await startAll(this.parts.lifecycle);
    this.current = 'running';
    this.log.info({ url: this.url, ms: Math.round(this.services.clock.monotonic() - this.startedAt) }, 'node ready');
    this.emit('node:ready');
  }

  /**
   * Graceful stop: the components' beforeStop hooks in reverse order (refuse new commands, drain the
   * gates, flush deltas and await acks, LEAVE), bounded by shutdownTimeoutMs; then every stop, and
   * the HTTP server last. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const started = this.current !== 'new';
    this.current = 'stopping';
    if (started) {
      this.emit('node:stopping');
      this.log.info({}, 'node stopping');
      const reverse = [...this.parts.lifecycle].reverse();
      const { clock } = this.services;
      let timer: ReturnType<typeof clock.setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, this.config.shutdownTimeoutMs)));
      await Promise.race([runPhase(reverse, 'beforeStop'), timeout]);
      if (timer !== undefined) clock.clearTimeout(timer);
      await runPhase(reverse, 'stop');
      await runPhase(reverse, 'afterStop');
    }
    await this.api.close();
    this.current = 'stopped';
    this.log.info({}, 'node stopped');
  }

  /** Ready = running and joined (see src/cluster/join.ts). */
  readiness(): { ready: boolean; reason?: string } {
    if (this.current !== 'running') return { ready: false, reason: this.current };
    const join = this.parts.join;
    const waiting = join.waitingFor();
    const links = waiting.length > 0 ? ` (waiting for a link to ${waiting.join(', ')}, which run gates)` : '';
    if (join.state === 'fenced') return { ready: false, reason: `fenced (${join.fenceReason}): re-syncing with its peers${links}` };
    if (!join.joined) return { ready: false, reason: `joining the cluster${links}` };
    return { ready: true };
  }

  /** A WebSocket upgrade on /peer: handed to the transport when it speaks WebSockets. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { transport } = this.parts;
    if (transport instanceof WsTransport) transport.handleUpgrade(req, socket, head);
    else socket.destroy();
  }

  trackEntry(plate: string, gate: number, options?: CommandOptions): Promise<Car> {
    return this.commands.trackEntry(plate, gate, options);
  }

  trackExit(plate: string, gate: number, options?: CommandOptions): Promise<ExitResult> {
    return this.commands.trackExit(plate, gate, options);
  }

  read(): Promise<LotView> {
    return this.commands.read();
  }

  cluster(): Promise<ClusterView> {
    return this.commands.cluster();
  }

  status(): Promise<NodeStatus> {
    return this.commands.status();
  }
}
