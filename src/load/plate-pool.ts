/**
 * The plates a load run drives, and what the generator believes about each: outside, inside, or busy
 * (a command on it is in flight, so no second command races it). Picking is O(1): the outside and
 * inside plates are kept in arrays with swap-remove and a position index.
 *
 * The belief is corrected by the lot's answers: ERR_ALREADY_INSIDE means inside, ERR_NOT_INSIDE
 * outside. A failure with an unknown outcome (timeout, node gone) returns the plate as outside; if
 * the entry did happen, the next entry on it is refused ERR_ALREADY_INSIDE, which sets it right.
 */
import type { Random } from '../random.js';

export type LoadOp = 'entry' | 'exit';

/** The outcome of one command as the pool needs it. */
export type OpOutcome = { ok: true } | { ok: false; code: string };

/** One set of plates with O(1) add, remove and random pick. */
class PlateSet {
  private readonly items: number[] = [];
  private readonly position = new Map<number, number>();

  get size(): number {
    return this.items.length;
  }

  add(plate: number): void {
    if (this.position.has(plate)) return;
    this.position.set(plate, this.items.length);
    this.items.push(plate);
  }

  delete(plate: number): boolean {
    const at = this.position.get(plate);
    if (at === undefined) return false;
    const last = this.items.pop()!;
    if (last !== plate) {
      this.items[at] = last;
      this.position.set(last, at);
    }
    this.position.delete(plate);
    return true;
  }

  pick(random: Random): number | undefined {
    if (this.items.length === 0) return undefined;
    return this.items[Math.floor(random() * this.items.length)];
  }
}

export interface PlatePoolOptions {
  /** Number of distinct plates, >= 1. */
  plates: number;
  /** Prefix of every plate; with the index it must be a valid plate (<= 16 characters, A-Z 0-9 space -). */
  prefix: string;
  /** Share of operations that are exits when a car is inside to leave, in [0, 1]. */
  exitRatio: number;
  random: Random;
}

/** The next command to send. */
export interface PlannedOp {
  op: LoadOp;
  /** Plate index, for {@link PlatePool.complete}. */
  index: number;
  plate: string;
}

export class PlatePool {
  private readonly options: PlatePoolOptions;
  private readonly outside = new PlateSet();
  private readonly inside = new PlateSet();
  private busyCount = 0;

  constructor(options: PlatePoolOptions) {
    if (!Number.isSafeInteger(options.plates) || options.plates < 1)
      throw new RangeError(`plates must be a positive integer, got ${options.plates}`);
    if (!(options.exitRatio >= 0 && options.exitRatio <= 1)) throw new RangeError(`exit ratio must be in [0, 1], got ${options.exitRatio}`);
    this.options = options;
    for (let i = 0; i < options.plates; i++) this.outside.add(i);
  }

  /** The plate with this index. */
  plateOf(index: number): string {
    return `${this.options.prefix}${index}`;
  }

  /** Plates believed inside (not counting busy ones). */
  get insideCount(): number {
    return this.inside.size;
  }

  /** Plates with a command in flight. */
  get busy(): number {
    return this.busyCount;
  }

  /**
   * Chooses the next command: an exit with probability `exitRatio` when some car is inside, else an
   * entry when some plate is outside, else whatever is possible. Undefined when every plate is busy.
   * The plate is busy until {@link complete}.
   */
  next(): PlannedOp | undefined {
    const { random, exitRatio } = this.options;
    const wantExit = this.inside.size > 0 && (this.outside.size === 0 || random() < exitRatio);
    const op: LoadOp = wantExit ? 'exit' : 'entry';
    const set = wantExit ? this.inside : this.outside;
    const index = set.pick(random);
    if (index === undefined) return undefined;
    set.delete(index);
    this.busyCount++;
    return { op, index, plate: this.plateOf(index) };
  }

  /** Records the outcome of a planned command and frees its plate. */
  complete(planned: PlannedOp, outcome: OpOutcome): void {
    this.busyCount--;
    if (this.placeAfter(planned, outcome) === 'inside') this.inside.add(planned.index);
    else this.outside.add(planned.index);
  }

  private placeAfter(planned: PlannedOp, outcome: OpOutcome): 'inside' | 'outside' {
    if (outcome.ok) return planned.op === 'entry' ? 'inside' : 'outside';
    if (outcome.code === 'ERR_ALREADY_INSIDE') return 'inside';
    if (outcome.code === 'ERR_NOT_INSIDE' || outcome.code === 'ERR_LOT_FULL') return 'outside';
    // Unknown outcome: an exit that failed leaves the car inside as far as we know; an entry that
    // failed is retried as an entry, and the lot's answer then tells.
    return planned.op === 'exit' ? 'inside' : 'outside';
  }
}
