/**
 * The application message types on a peer link, one table so that two components can never pick
 * the same number. Each type has one owner, which registers its handler with the registrar
 * (src/transport/registrar.ts); the transport knows none of them (its own frames, the handshake and
 * the heartbeat, are below 0x10: src/transport/envelope.ts). docs/protocol.md has the full table.
 */
export const MessageType = {
  /** Replicator: y-protocols sync step 1, step 2 or update (src/crdt/sync-messages.ts). */
  SYNC: 0x10,
  /** Replicator: cumulative acknowledgement of a sequenced SYNC. */
  SYNC_ACK: 0x11,
  /** Replicator: "I hold your lot and I have joined": the peer may place gates on the sender. */
  SYNCED: 0x12,
  /** Membership: the sender leaves the cluster; move its gates now. */
  LEAVE: 0x22,
  /** Command router: execute a command on a gate this node runs. */
  COMMAND: 0x30,
  /** Command router: the outcome of a COMMAND. */
  RESULT: 0x31,
  /** Gate claims: every gate the sender runs now (src/gates/claims.ts). */
  GATES: 0x40,
} as const;

/** One of the values of {@link MessageType}. */
export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

const NAMES = new Map<number, string>(Object.entries(MessageType).map(([name, value]) => [value, name]));

/** The constant name of an application type (`'SYNC'`), or its hex; for logs and metrics. */
export function applicationTypeName(type: number): string {
  return NAMES.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}
