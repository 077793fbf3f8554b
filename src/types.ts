/**
 * The shapes that cross the boundaries of a node: what the HTTP API returns, what the CLI and the
 * REPL print, what a peer answers to a forwarded command. Plain JSON, nothing else.
 */

/** A car inside the lot (one live visit). */
export interface Car {
  /** Normalized plate, e.g. `ABC 123`. */
  plate: string;
  /** The gate it entered by. */
  gate: number;
  /** Entry time, ms since the epoch. */
  enteredAt: number;
  /** Name of the node whose gate worker recorded the entry. */
  node: string;
}

/** Answer to an exit: the car as it was inside, and how long it stayed. */
export interface ExitResult {
  car: Car;
  /** The gate it left by (any gate may be used to leave). */
  gate: number;
  exitedAt: number;
  stayMs: number;
}

/** What `read()` returns: every car inside plus the counts. */
export interface LotView {
  spaces: number;
  occupied: number;
  free: number;
  cars: Car[];
}

/** Membership status of a node as seen by the node answering. */
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

export interface MemberView {
  name: string;
  url: string;
  status: MemberStatus;
  /** Per-process id: a restarted node has a new one. */
  incarnation?: string;
  /** When the status last changed, ms since the epoch. */
  since?: number;
}

export interface GateAssignment {
  gate: number;
  /** Name of the node running the gate's worker, or null while no live node runs it. */
  node: string | null;
  /** When this node's view gave the gate to that owner, ms since the epoch. */
  since: number;
}

export interface ClusterView {
  self: string;
  members: MemberView[];
  gates: GateAssignment[];
}

export interface NodeStatus {
  name: string;
  url: string;
  cluster: string;
  incarnation: string;
  version: string;
  uptimeMs: number;
  ready: boolean;
  spaces: number;
  occupied: number;
  free: number;
  gates: number;
  /** Gates whose worker runs on this node. */
  gatesOwned: number[];
  /** Members alive in this node's view, self included. */
  membersAlive: number;
}

/** Options a caller may attach to a command. */
export interface CommandOptions {
  /**
   * Idempotency key: a retry with the same id is answered from the first result instead of being
   * applied twice. Generated when absent.
   */
  requestId?: string;
}

/**
 * The operations every front end (HTTP API, CLI, REPL) uses. Implemented by the local `Node` and by
 * the HTTP client that the CLI and `parking console` use, so the REPL is the same in both places.
 */
export interface ParkingApi {
  trackEntry(plate: string, gate: number, options?: CommandOptions): Promise<Car>;
  trackExit(plate: string, gate: number, options?: CommandOptions): Promise<ExitResult>;
  read(): Promise<LotView>;
  cluster(): Promise<ClusterView>;
  status(): Promise<NodeStatus>;
}
