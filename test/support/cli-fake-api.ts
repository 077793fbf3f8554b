/**
 * An in-memory ParkingApi for CLI and REPL tests: the real lot rules (src/lot), a fixed clock, no
 * network. It is also an EventEmitter, so tests can play a local node's member and gate events.
 */
import { EventEmitter } from 'node:events';
import { AlreadyInsideError, LotFullError, NotInsideError, ParkingError } from '../../src/errors.js';
import { normalizePlate, validateGate } from '../../src/lot/index.js';
import type { Car, ClusterView, ExitResult, LotView, NodeStatus, ParkingApi } from '../../src/types.js';

export interface FakeApiOptions {
  name?: string;
  gates?: number;
  spaces?: number;
  /** The fake's clock; default a fixed 2024-05-01 16:02:11 local time. */
  now?: () => number;
}

/** 2024-05-01 16:02:11 in the local time zone, so formatted times read the same everywhere. */
export const FAKE_NOW = new Date(2024, 4, 1, 16, 2, 11).getTime();

export class FakeParkingApi extends EventEmitter implements ParkingApi {
  readonly name: string;
  readonly url: string;
  readonly gates: number;
  readonly spaces: number;
  readonly cars = new Map<string, Car>();
  /** Calls made, for assertions (`trackEntry ABC 123 1`). */
  readonly calls: string[] = [];
  /** When set, every call rejects with it (unreachable node, stopping node, ...). */
  failWith: ParkingError | undefined;
  closed = false;
  private readonly now: () => number;

  constructor(options: FakeApiOptions = {}) {
    super();
    this.name = options.name ?? 'n1';
    this.url = 'http://127.0.0.1:4000';
    this.gates = options.gates ?? 4;
    this.spaces = options.spaces ?? 100;
    this.now = options.now ?? (() => FAKE_NOW);
  }

  private check(call: string): void {
    this.calls.push(call);
    if (this.failWith !== undefined) throw this.failWith;
  }

  async trackEntry(plate: string, gate: number): Promise<Car> {
    this.check(`trackEntry ${plate} ${gate}`);
    const p = normalizePlate(plate);
    validateGate(gate, this.gates);
    const inside = this.cars.get(p);
    if (inside !== undefined) throw new AlreadyInsideError(p, inside.gate, inside.enteredAt);
    if (this.cars.size >= this.spaces) throw new LotFullError(this.spaces, this.cars.size);
    const car: Car = { plate: p, gate, enteredAt: this.now(), node: this.name };
    this.cars.set(p, car);
    return car;
  }

  async trackExit(plate: string, gate: number): Promise<ExitResult> {
    this.check(`trackExit ${plate} ${gate}`);
    const p = normalizePlate(plate);
    validateGate(gate, this.gates);
    const car = this.cars.get(p);
    if (car === undefined) throw new NotInsideError(p);
    this.cars.delete(p);
    const exitedAt = this.now();
    return { car, gate, exitedAt, stayMs: exitedAt - car.enteredAt };
  }

  async read(): Promise<LotView> {
    this.check('read');
    const occupied = this.cars.size;
    return { spaces: this.spaces, occupied, free: this.spaces - occupied, cars: [...this.cars.values()] };
  }

  async cluster(): Promise<ClusterView> {
    this.check('cluster');
    return {
      self: this.name,
      members: [
        { name: this.name, url: this.url, status: 'alive', since: this.now() },
        { name: 'n2', url: 'http://127.0.0.1:4001', status: 'suspect', since: this.now() },
      ],
      gates: Array.from({ length: this.gates }, (_, i) => ({ gate: i + 1, node: i % 2 === 0 ? this.name : null, since: this.now() })),
    };
  }

  async status(): Promise<NodeStatus> {
    this.check('status');
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
      gatesOwned: [1, 3],
      membersAlive: 1,
    };
  }

  close(): void {
    this.closed = true;
  }
}

/** A fake of src/node.ts for `parking start`: start/stop are recorded, start may be made to fail. */
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
