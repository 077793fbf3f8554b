/**
 * The one in-memory stand-in for a node's `ParkingApi`, for the HTTP API, client, CLI and console
 * tests. Commands are decided by the lot's own rules (`decideEntry`/`decideExit` from src/lot), so
 * the fake accepts and refuses exactly the plates, gates and cars the real node does, with the same
 * error classes; what it fakes is only the rest of a node (no replica, no cluster, a clock of its own).
 *
 * It is an EventEmitter, so a test can play a node's `member:*` and `gate:*` events to whatever
 * listens (the console, the `/events` stream).
 */
import { EventEmitter } from 'node:events';
import { decideEntry, decideExit, type LotSnapshot } from '../../src/lot/index.js';
import type { Car, ClusterView, CommandOptions, ExitResult, LotView, MemberView, NodeStatus, ParkingApi } from '../../src/types.js';

/** One command the fake received, as the caller passed it (before validation). */
export interface FakeCall {
  op: 'trackEntry' | 'trackExit';
  plate: string;
  gate: number;
  options: CommandOptions | undefined;
}

export interface FakeApiOptions {
  /** The node's name, on its cars and in its views. Default `fake`. */
  name?: string;
  /** Default `http://127.0.0.1:4000`. */
  url?: string;
  /** Gates 1..gates. Default 4. */
  gates?: number;
  /** Default 2: two entries fill the lot. */
  spaces?: number;
  /** Gates this node owns in its views; the others have no owner. Default all of them. */
  ownedGates?: number[];
  /** Other members in `cluster()` (this node is always first, alive). Default none. */
  peers?: MemberView[];
  /** Time of each command and view. Default a clock that moves one second per reading, so a stay is never 0. */
  now?: () => number;
}

/** 2024-05-01 16:02:11 in the local time zone, so formatted times read the same everywhere. */
export const FAKE_NOW = new Date(2024, 4, 1, 16, 2, 11).getTime();

/**
 * Node `n1` as the CLI and console tests show it: 100 spaces, a fixed time (FAKE_NOW), one of two
 * members (`n2` suspect), owning gates 1 and 3 of 4.
 */
export const CLI_NODE: FakeApiOptions = {
  name: 'n1',
  spaces: 100,
  now: () => FAKE_NOW,
  ownedGates: [1, 3],
  peers: [{ name: 'n2', url: 'http://127.0.0.1:4001', status: 'suspect' }],
};

/** A ParkingApi over a Map of cars. `calls` records commands; `fail` makes every call throw it. */
export class FakeParkingApi extends EventEmitter implements ParkingApi {
  readonly name: string;
  readonly url: string;
  readonly gates: number;
  readonly spaces: number;
  /** The cars inside, by normalized plate. */
  readonly cars = new Map<string, Car>();
  /** Every command received, refused ones included. */
  readonly calls: FakeCall[] = [];
  /** When set, every call throws this (it stays set until the test clears it). */
  fail: unknown = undefined;
  /** Set by `close()` (the CLI closes its client when a command is done). */
  closed = false;
  private readonly ownedGates: number[];
  private readonly peers: MemberView[];
  private readonly now: () => number;

  constructor(options: FakeApiOptions = {}) {
    super();
    this.name = options.name ?? 'fake';
    this.url = options.url ?? 'http://127.0.0.1:4000';
    this.gates = options.gates ?? 4;
    this.spaces = options.spaces ?? 2;
    this.ownedGates = options.ownedGates ?? Array.from({ length: this.gates }, (_, i) => i + 1);
    this.peers = options.peers ?? [];
    let time = 1_700_000_000_000;
    this.now = options.now ?? (() => (time += 1000));
  }

  async trackEntry(plate: string, gate: number, options?: CommandOptions): Promise<Car> {
    this.calls.push({ op: 'trackEntry', plate, gate, options });
    this.maybeFail();
    const car = decideEntry(this.snapshot(), { plate, gate, now: this.now(), node: this.name });
    this.cars.set(car.plate, car);
    return car;
  }

  async trackExit(plate: string, gate: number, options?: CommandOptions): Promise<ExitResult> {
    this.calls.push({ op: 'trackExit', plate, gate, options });
    this.maybeFail();
    const exitedAt = this.now();
    const decision = decideExit(this.snapshot(), { plate, gate, now: exitedAt });
    this.cars.delete(decision.plate);
    return { car: decision.car, gate: decision.gate, exitedAt, stayMs: decision.stayMs };
  }

  async read(): Promise<LotView> {
    this.maybeFail();
    const occupied = this.cars.size;
    return { spaces: this.spaces, occupied, free: this.spaces - occupied, cars: [...this.cars.values()] };
  }

  async cluster(): Promise<ClusterView> {
    this.maybeFail();
    const since = this.now();
    return {
      self: this.name,
      members: this.members(since),
      gates: Array.from({ length: this.gates }, (_, i) => ({
        gate: i + 1,
        node: this.ownedGates.includes(i + 1) ? this.name : null,
        since,
      })),
    };
  }

  async status(): Promise<NodeStatus> {
    this.maybeFail();
    const occupied = this.cars.size;
    return {
      name: this.name,
      url: this.url,
      cluster: 'parking',
      incarnation: 'inc-1',
      version: '0.1.0',
      uptimeMs: 192_000,
      ready: true,
      spaces: this.spaces,
      occupied,
      free: this.spaces - occupied,
      gates: this.gates,
      gatesOwned: [...this.ownedGates],
      membersAlive: this.members(0).filter((m) => m.status === 'alive').length,
    };
  }

  close(): void {
    this.closed = true;
  }

  private members(since: number): MemberView[] {
    const self: MemberView = { name: this.name, url: this.url, status: 'alive' };
    return [self, ...this.peers].map((m) => ({ since, ...m }));
  }

  private snapshot(): LotSnapshot {
    return { spaces: this.spaces, gates: this.gates, occupied: this.cars.size, carOf: (plate) => this.cars.get(plate) };
  }

  private maybeFail(): void {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a test may make the fake throw anything, as a broken dependency could
    if (this.fail !== undefined) throw this.fail;
  }
}

/** A fake of the node `parking start` runs: start and stop are recorded, start can be made to fail. */
export class FakeNode extends FakeParkingApi {
  started = false;
  stops = 0;
  failStart: Error | undefined;
  /** Resolves when stop() is first called. */
  readonly stopped: Promise<void>;
  private markStopped!: () => void;

  constructor(options: FakeApiOptions = {}) {
    super(options);
    this.stopped = new Promise((resolve) => {
      this.markStopped = resolve;
    });
  }

  async start(): Promise<void> {
    if (this.failStart !== undefined) throw this.failStart;
    this.started = true;
  }

  async stop(): Promise<void> {
    this.stops += 1;
    this.markStopped();
  }
}
