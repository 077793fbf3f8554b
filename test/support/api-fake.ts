/**
 * An in-memory stand-in for the node behind the HTTP API: a Map of plates with the lot's rules
 * (plate syntax, gates 1..4, 2 spaces), throwing the real error classes. Only for API tests; the
 * real rules live in src/lot/.
 */
import {
  AlreadyInsideError,
  InvalidPlateError,
  LotFullError,
  NotInsideError,
  UnknownGateError,
} from '../../src/errors.js';
import type { Car, ClusterView, CommandOptions, ExitResult, LotView, NodeStatus, ParkingApi } from '../../src/types.js';

/** One call the fake received, for assertions on what the server passed through. */
export interface FakeCall {
  op: 'trackEntry' | 'trackExit';
  plate: string;
  gate: number;
  options: CommandOptions | undefined;
}

/** The fake's fixed dimensions. */
export const FAKE_GATES = 4;
export const FAKE_SPACES = 2;

const PLATE = /^[A-Z0-9]+( [A-Z0-9]+)*$/;

/** A ParkingApi over a Map; `calls` records commands, `fail` makes the next call throw. */
export class FakeParkingApi implements ParkingApi {
  readonly cars = new Map<string, Car>();
  readonly calls: FakeCall[] = [];
  /** When set, every method throws this (then it stays set: tests clear it). */
  fail: unknown = undefined;
  private time = 1_700_000_000_000;

  async trackEntry(plate: string, gate: number, options?: CommandOptions): Promise<Car> {
    this.calls.push({ op: 'trackEntry', plate, gate, options });
    this.maybeFail();
    const normalized = this.normalize(plate);
    this.checkGate(gate);
    const inside = this.cars.get(normalized);
    if (inside !== undefined) throw new AlreadyInsideError(normalized, inside.gate, inside.enteredAt);
    if (this.cars.size >= FAKE_SPACES) throw new LotFullError(FAKE_SPACES, this.cars.size);
    const car: Car = { plate: normalized, gate, enteredAt: this.tick(), node: 'fake' };
    this.cars.set(normalized, car);
    return car;
  }

  async trackExit(plate: string, gate: number, options?: CommandOptions): Promise<ExitResult> {
    this.calls.push({ op: 'trackExit', plate, gate, options });
    this.maybeFail();
    const normalized = this.normalize(plate);
    this.checkGate(gate);
    const car = this.cars.get(normalized);
    if (car === undefined) throw new NotInsideError(normalized);
    this.cars.delete(normalized);
    const exitedAt = this.tick();
    return { car, gate, exitedAt, stayMs: exitedAt - car.enteredAt };
  }

  async read(): Promise<LotView> {
    this.maybeFail();
    return { spaces: FAKE_SPACES, occupied: this.cars.size, free: FAKE_SPACES - this.cars.size, cars: [...this.cars.values()] };
  }

  async cluster(): Promise<ClusterView> {
    this.maybeFail();
    return {
      self: 'fake',
      members: [{ name: 'fake', url: 'http://127.0.0.1:0', status: 'alive' }],
      gates: Array.from({ length: FAKE_GATES }, (_, i) => ({ gate: i + 1, node: 'fake', since: 0 })),
    };
  }

  async status(): Promise<NodeStatus> {
    this.maybeFail();
    return {
      name: 'fake',
      url: 'http://127.0.0.1:0',
      cluster: 'test',
      incarnation: 'i1',
      version: '0.0.0',
      uptimeMs: 1,
      ready: true,
      spaces: FAKE_SPACES,
      occupied: this.cars.size,
      free: FAKE_SPACES - this.cars.size,
      gates: FAKE_GATES,
      gatesOwned: [1, 2, 3, 4],
      membersAlive: 1,
    };
  }

  private maybeFail(): void {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a test may make the fake throw anything, as a broken dependency could
    if (this.fail !== undefined) throw this.fail;
  }

  private normalize(plate: string): string {
    const normalized = plate.trim().toUpperCase().replace(/ +/g, ' ');
    if (normalized.length === 0 || normalized.length > 16 || !PLATE.test(normalized)) {
      throw new InvalidPlateError('letters, digits and single spaces only', { plate });
    }
    return normalized;
  }

  private checkGate(gate: number): void {
    if (!Number.isInteger(gate) || gate < 1 || gate > FAKE_GATES) throw new UnknownGateError(gate, FAKE_GATES);
  }

  private tick(): number {
    this.time += 1000;
    return this.time;
  }
}
