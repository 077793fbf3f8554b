/**
 * Prometheus metrics of one node. A registry per node (not prom-client's global one), so several
 * nodes in one process keep their own counts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Entries recorded by this node's gate workers. */
  entries: Counter;
  /** Exits recorded by this node's gate workers. */
  exits: Counter;
  /** Commands refused, by error code. */
  rejections: Counter<'code'>;
  /** Cars inside, as this replica sees it. */
  occupancy: Gauge;
  /** Spaces in the lot. */
  spaces: Gauge;
  /** HTTP request latency in seconds. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Authenticated peer links. */
  peers: Gauge;
  /** Bytes sent / received on peer links, by message type. */
  peerBytesSent: Counter<'type'>;
  peerBytesReceived: Counter<'type'>;
  /** Gates whose worker runs here. */
  gatesOwned: Gauge;
  /** Commands forwarded to the node running their gate. */
  forwarded: Counter;
  /** Peers' commands sent on by this node to the node running their gate, which they cannot reach. */
  relayed: Counter;
  /** Peer messages refused (an unknown type, bad bytes): the link was closed. */
  peerProtocolErrors: Counter<'code' | 'type'>;
}

export interface MetricsOptions {
  /** Also collect process metrics (CPU, heap, event loop). Off in tests with many nodes. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    entries: new Counter({ name: 'parking_entries_total', help: 'Entries recorded by gate workers on this node', registers }),
    exits: new Counter({ name: 'parking_exits_total', help: 'Exits recorded by gate workers on this node', registers }),
    rejections: new Counter({ name: 'parking_rejections_total', help: 'Commands refused, by error code', labelNames: ['code'], registers }),
    occupancy: new Gauge({ name: 'parking_occupancy', help: 'Cars inside as this replica sees it', registers }),
    spaces: new Gauge({ name: 'parking_spaces', help: 'Spaces in the lot', registers }),
    httpDuration: new Histogram({
      name: 'parking_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    peers: new Gauge({ name: 'parking_peers', help: 'Authenticated peer links', registers }),
    peerBytesSent: new Counter({
      name: 'parking_peer_bytes_sent_total',
      help: 'Bytes sent on peer links',
      labelNames: ['type'],
      registers,
    }),
    peerBytesReceived: new Counter({
      name: 'parking_peer_bytes_received_total',
      help: 'Bytes received on peer links',
      labelNames: ['type'],
      registers,
    }),
    gatesOwned: new Gauge({ name: 'parking_gates_owned', help: 'Gates whose worker runs on this node', registers }),
    forwarded: new Counter({ name: 'parking_forwarded_total', help: 'Commands forwarded to the node running their gate', registers }),
    relayed: new Counter({
      name: 'parking_relayed_total',
      help: "Peers' commands relayed to the node running their gate (partial partition)",
      registers,
    }),
    peerProtocolErrors: new Counter({
      name: 'parking_peer_protocol_errors_total',
      help: 'Peer messages refused (unknown type or bad bytes); each closed its link',
      labelNames: ['code', 'type'],
      registers,
    }),
  };
}
