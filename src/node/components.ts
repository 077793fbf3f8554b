/**
 * The composition root: every component of a node, built in one place and in the order they start.
 * Components find each other through what they are given here; peer messages reach them through the
 * registrar, where each registered the types it speaks. The node starts the list in order and stops
 * it in reverse (src/lifecycle.ts), so the graceful stop runs, through the `beforeStop` hooks:
 *
 *   router (refuse new commands) -> rebalancer (start no gate) -> gates (drain the workers) -> claims
 *   (tell peers nothing runs here) -> replicator (flush deltas, await acks) -> membership (LEAVE);
 *   then every stop: discovery (mDNS goodbye), dialer, ..., transport.
 */
import { Dialer } from '../cluster/dialer.js';
import { Join } from '../cluster/join.js';
import { Membership } from '../cluster/membership.js';
import { Replicator } from '../cluster/replicator.js';
import type { Config } from '../config/schema.js';
import type { LotDocument } from '../crdt/lot-document.js';
import { createDiscovery, type Discovery } from '../discovery/index.js';
import { GateClaims } from '../gates/claims.js';
import { CommandRouter } from '../gates/command-router.js';
import { GateService } from '../gates/gate-service.js';
import { GateTable } from '../gates/gate-table.js';
import { Rebalancer } from '../gates/rebalancer.js';
import type { Startable } from '../lifecycle.js';
import { Registrar } from '../transport/registrar.js';
import type { AdmitFn, Transport } from '../transport/types.js';
import { WsTransport } from '../transport/ws-transport.js';
import type { NodeIdentity } from './identity.js';
import type { NodeServices } from './services.js';

/** Every component of a running node. */
export interface NodeParts {
  registrar: Registrar;
  transport: Transport;
  membership: Membership;
  replicator: Replicator;
  table: GateTable;
  claims: GateClaims;
  service: GateService;
  rebalancer: Rebalancer;
  router: CommandRouter;
  dialer: Dialer;
  discovery: Discovery;
  join: Join;
  /** The startables, in start order. */
  lifecycle: Startable[];
}

/** A startable from plain functions, for parts whose class has no lifecycle of its own. */
function startable(
  name: string,
  hooks: Omit<Startable, 'name' | 'start' | 'stop'> & Partial<Pick<Startable, 'start' | 'stop'>>,
): Startable {
  return { name, start: () => undefined, stop: () => undefined, ...hooks };
}

/** Builds the components of a node whose identity is known. Nothing runs until they are started. */
export function buildParts(config: Config, identity: NodeIdentity, services: NodeServices, lot: LotDocument): NodeParts {
  const { clock, random, logger, metrics } = services;
  const registrar = new Registrar({
    logger,
    onProtocolError: (code, type) => metrics.peerProtocolErrors.inc({ code, type: String(type) }),
  });
  const membership = new Membership({
    self: identity,
    clock,
    logger,
    registrar,
    selfReady: false,
    holdMemberUp: true,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    suspectTimeoutMs: config.suspectTimeoutMs,
    failureTimeoutMs: config.failureTimeoutMs,
  });
  const admit: AdmitFn = (remote, context) => membership.admit(remote, context);
  const peer = { cluster: identity.cluster, name: identity.name, incarnation: identity.incarnation, url: identity.url };
  const transport =
    services.createTransport?.(peer, admit) ??
    new WsTransport({
      identity: peer,
      cookie: config.cookie,
      clock,
      logger,
      admit,
      maxPayloadBytes: config.maxPeerMessageBytes,
      maxBufferedBytes: config.maxPeerBufferedBytes,
      onBytes: (direction, type, bytes) =>
        (direction === 'sent' ? metrics.peerBytesSent : metrics.peerBytesReceived).inc({ type: String(type) }, bytes),
    });
  transport.on('link:up', (link) => {
    link.on('message', (type: number, payload: Uint8Array) => registrar.dispatch(link, type, payload));
    registrar.linkUp(link);
    metrics.peers.set(transport.links().length);
  });
  transport.on('link:replaced', (previous, next) => {
    next.on('message', (type: number, payload: Uint8Array) => registrar.dispatch(next, type, payload));
    registrar.linkReplaced(previous, next);
  });
  transport.on('link:down', (link, reason) => {
    registrar.linkDown(link, reason);
    metrics.peers.set(transport.links().length);
  });
  transport.on('link:refused', (info) =>
    logger
      .child({ component: 'node' })
      .warn({ direction: info.direction, address: info.remoteAddress, reason: info.reason, peer: info.remote?.name }, 'peer refused'),
  );

  const replicator = new Replicator({
    lot,
    clock,
    logger,
    registrar,
    announcing: false,
    antiEntropyIntervalMs: config.antiEntropyIntervalMs,
    replicationAckTimeoutMs: config.replicationAckTimeoutMs,
    pushCoalesceMs: config.pushCoalesceMs,
  });
  const table = new GateTable({ gates: config.gates, clock });
  const service = new GateService({
    lot,
    clock,
    metrics,
    node: identity.name,
    gates: config.gates,
    spaces: config.spaces,
    whenReplicated: () => replicator.whenReplicated(),
    stalled: () => membership.checkStall(),
  });
  const claims = new GateClaims({
    registrar,
    logger,
    running: () => service.owned(),
    flush: () => replicator.flush(),
    links: () => membership.linkedMembers().map((m) => m.link),
    isLive: (link) => membership.linkOf(link.remote.name) === link,
    self: identity.name,
    isLinked: (name) => membership.linkOf(name) !== undefined,
  });
  const rebalancer = new Rebalancer({ self: identity.name, membership, table, service, claims, replicator, clock, logger });
  const router = new CommandRouter({
    self: identity.name,
    table,
    service,
    lot,
    clock,
    random,
    logger,
    metrics,
    registrar,
    linkOf: (n) => membership.linkOf(n),
    runner: (gate) => claims.runner(gate),
    commandDeadlineMs: config.commandDeadlineMs,
  });
  const dialer = new Dialer({
    transport,
    clock,
    random,
    logger,
    isLinked: (n) => membership.linkOf(n) !== undefined,
    // Long enough for a peer to declare our previous incarnation dead, then count the peer as tried.
    duplicateNameWaitMs: config.failureTimeoutMs + 2 * config.heartbeatIntervalMs,
  });
  registrar.observe(dialer);
  const discovery = services.createDiscovery?.(identity) ?? defaultDiscovery(config, identity, services);
  const join = new Join({ clock, logger, registrar, membership, replicator, dialer, discovery, claims });

  const lifecycle: Startable[] = [
    startable('transport', { start: () => transport.start(), stop: () => transport.stop() }),
    membership,
    replicator,
    // Before the gates, so that its beforeStop (announce: nothing runs here) follows their drain.
    claims,
    service,
    rebalancer,
    router,
    dialer,
    startable('discovery', {
      start: () => discovery.start(),
      stop: () => discovery.stop().catch((err: unknown) => logger.warn({ err }, 'discovery stop failed')),
    }),
    join,
  ];
  return { registrar, transport, membership, replicator, table, claims, service, rebalancer, router, dialer, discovery, join, lifecycle };
}

function defaultDiscovery(c: Config, identity: NodeIdentity, services: NodeServices): Discovery {
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
    {
      self: {
        cluster: identity.cluster,
        name: identity.name,
        incarnation: identity.incarnation,
        url: identity.url,
        host: identity.advertisedHost,
        port: identity.port,
      },
      clock: services.clock,
      logger: services.logger,
    },
  );
}
