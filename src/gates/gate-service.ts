/**
 * Runs the commands of the gates this node owns: each through its gate's worker, decided by the
 * lot's rules against this replica, written into the document, and answered once the write is
 * replicated. Retries are idempotent: a command carries a request id; an entry remembers it in its
 * visit and an exit in the exit log (src/crdt/exit-record.ts), so any owner recognises a retried or
 * replayed command after the old one died, even once the visit is gone; every result is also kept in
 * a bounded cache for a retry that reaches the same owner.
 */
import type { Startable } from '../lifecycle.js';
import type { Clock } from '../clock.js';
import type { LotDocument } from '../crdt/lot-document.js';
import {
  GateUnavailableError,
  IdempotencyKeyReusedError,
  isParkingError,
  NotInsideError,
  OutcomeUnknownError,
  ParkingError,
  type WireError,
} from '../errors.js';
import { decideEntry, decideExit, type LotSnapshot } from '../lot/index.js';
import type { Metrics } from '../metrics.js';
import type { Car, ExitResult } from '../types.js';
import { GateWorker } from './gate-worker.js';

/** A command after validation and normalization, routed to its gate. */
export interface GateCommand {
  op: 'entry' | 'exit';
  plate: string;
  gate: number;
  requestId: string;
  /**
   * Exit retried after an attempt whose outcome is unknown: the visit ids the first node saw when the
   * client asked. Only those are removed, so a re-entry made since is never undone by the retry.
   */
  observed?: string[];
}

export type CommandResult = Car | ExitResult;

/** A command's value, with what the router needs to answer a forwarder compactly (command-messages.ts). */
export interface Answer {
  value: CommandResult;
  /** An exit's: the id of the visit whose car `value` reports. */
  visit?: string;
}

/** Thrown when this node does not (or no longer) run the command's gate: the router retries. */
export class NotOwnerError extends GateUnavailableError {
  constructor(gate: number) {
    super(gate, 'not running on this node');
    this.name = 'NotOwnerError';
  }
}

export interface GateServiceOptions {
  lot: LotDocument;
  clock: Clock;
  metrics: Metrics;
  node: string;
  gates: number;
  spaces: number;
  /**
   * Resolves true once the local changes made so far are on every linked peer (or its link closed),
   * false when the ack timeout passed first (Replicator.whenReplicated).
   */
  whenReplicated: () => Promise<boolean>;
  /** Results remembered for idempotent retries. */
  resultCacheSize?: number;
  /**
   * True when this process stalled since its last heartbeat (Membership.checkStall): then nothing is
   * decided on this replica (the node is being fenced) and the command goes back to the router.
   */
  stalled?: () => boolean;
}

/** A command's outcome, remembered under its request id with the command it answers. */
type Outcome = ({ ok: true; value: CommandResult; visit?: string } | { ok: false; error: WireError }) & { op: string; plate: string };
/** An outcome and whether the state it rests on is on every live peer (settles at the ack or the timeout). */
type Decided = { outcome: Outcome; replicated: Promise<boolean> };

export class GateService implements Startable {
  readonly name = 'gates';
  private readonly options: GateServiceOptions;
  private readonly workers = new Map<number, GateWorker>();
  private readonly results = new Map<string, Outcome>();

  constructor(options: GateServiceOptions) {
    this.options = options;
  }

  /** The gates whose worker runs here. */
  owned(): number[] {
    return [...this.workers.keys()].sort((a, b) => a - b);
  }

  /** Whether a worker for `gate` exists here (running, or draining after a release began). */
  runs(gate: number): boolean {
    return this.workers.has(gate);
  }

  owns(gate: number): boolean {
    return this.workers.get(gate)?.running === true;
  }

  /** Starts a worker for a gate that moved here. */
  acquire(gate: number): void {
    if (!this.workers.has(gate)) this.workers.set(gate, new GateWorker(gate));
    this.options.metrics.gatesOwned.set(this.workers.size);
  }

  /** Stops the worker of a gate that moved away; its running command finishes, queued ones are retried elsewhere. */
  async release(gate: number): Promise<void> {
    const worker = this.workers.get(gate);
    if (worker === undefined) return;
    this.workers.delete(gate);
    this.options.metrics.gatesOwned.set(this.workers.size);
    await worker.stop();
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.workers.keys()].map((gate) => this.release(gate)));
  }

  start(): void {}

  /** Graceful stop: the running commands finish, queued ones are retried elsewhere. */
  async beforeStop(): Promise<void> {
    await this.releaseAll();
  }

  stop(): void {}

  /**
   * Runs a command on its gate's worker. Throws NotOwnerError when the gate does not run here.
   *
   * The worker serializes the decision and the write (two commands at one gate never decide on the
   * same state); waiting for the peers' acks happens outside it, so a gate pipelines its writes and
   * is not limited to one write per replication round trip. Each answer still waits for its own
   * write to be acknowledged, and acks are cumulative, so answers keep the gate's order.
   */
  async execute(command: GateCommand): Promise<CommandResult> {
    return (await this.answer(command)).value;
  }

  /** {@link execute}, with the id of the visit an exit reports (for a forwarded command's RESULT). */
  async answer(command: GateCommand): Promise<Answer> {
    const worker = this.workers.get(command.gate);
    if (worker === undefined) throw new NotOwnerError(command.gate);
    const { outcome, replicated } = await worker.run(() => this.decide(command));
    const confirmed = await replicated;
    if (!outcome.ok) throw ParkingError.fromWire(outcome.error);
    // 200 means every live replica holds the change: not known yet, so not said (the client retries
    // with the same request id and is answered from the cache once it is).
    if (!confirmed) throw new OutcomeUnknownError(command.gate, 'the write is not yet confirmed by every live peer');
    return outcome.visit === undefined ? { value: outcome.value } : { value: outcome.value, visit: outcome.visit };
  }

  /**
   * The outcome of a command: remembered if its request id was seen (the same command only: a key
   * reused for another operation or plate is refused), else decided now.
   */
  private decide(command: GateCommand): Decided {
    // Peers may have run this gate while this process was stopped: its replica may be stale.
    if (this.options.stalled?.() === true) throw new NotOwnerError(command.gate);
    const cached = this.results.get(command.requestId);
    if (cached !== undefined) {
      if (cached.op !== command.op || cached.plate !== command.plate) throw new IdempotencyKeyReusedError(command.op, command.plate);
      // A fresh wait: what was not confirmed at the first answer may be by now.
      return { outcome: cached, replicated: this.options.whenReplicated() };
    }
    const outcome = this.apply(command);
    this.remember(command.requestId, outcome);
    return { outcome, replicated: this.options.whenReplicated() };
  }

  private snapshot(): LotSnapshot {
    const lot = this.options.lot;
    return { spaces: this.options.spaces, gates: this.options.gates, occupied: lot.occupied, carOf: (plate) => lot.carOf(plate) };
  }

  /**
   * Decides and writes; synchronous, so nothing interleaves inside one gate's decision. A refusal
   * rests on the state the gate decided against: it is answered once that state is on the peers too,
   * like the writes before it (answers keep the gate's order).
   */
  private apply(command: GateCommand): Outcome {
    const { op, plate } = command;
    try {
      return { op, plate, ok: true, ...(op === 'entry' ? this.enter(command) : this.exit(command)) };
    } catch (err) {
      if (!isParkingError(err)) throw err;
      // Not remembered: an unknown outcome may be known at the retry.
      if (err instanceof OutcomeUnknownError || err instanceof IdempotencyKeyReusedError) throw err;
      this.options.metrics.rejections.inc({ code: err.code });
      return { op, plate, ok: false, error: err.toWire() };
    }
  }

  /** An entry, or the answer of the entry this request id already made (seen in any replica's visit). */
  private enter(command: GateCommand): { value: Car } {
    const { lot, clock, metrics } = this.options;
    const retried = lot.enteredBy(command.requestId);
    if (retried !== undefined) {
      if (retried.plate !== command.plate) throw new IdempotencyKeyReusedError(command.op, command.plate);
      return { value: retried };
    }
    const car = decideEntry(this.snapshot(), { plate: command.plate, gate: command.gate, now: clock.now(), node: this.options.node });
    lot.enter(car, command.requestId);
    metrics.entries.inc();
    return { value: car };
  }

  /**
   * An exit. A retried one (`observed`: the visits the client's node saw) removes only those; when none
   * of them is live any more it is ERR_NOT_INSIDE with `details.removed: true` only if this replica
   * knows each of them removed (the lost attempt, or a concurrent exit, did it). A visit this replica
   * never saw means its state does not include what the first attempt saw: outcome unknown.
   */
  private exit(command: GateCommand): { value: ExitResult; visit?: string } {
    const { lot, clock, metrics } = this.options;
    // Applied before, anywhere in the cluster (the exit log): its first answer, and nothing removed again.
    const past = lot.exitedBy(command.requestId);
    if (past !== undefined) {
      if (past.plate !== command.plate) throw new IdempotencyKeyReusedError(command.op, command.plate);
      return { value: past.value, visit: past.visit };
    }
    const now = clock.now();
    const snapshot = this.snapshot();
    const observed = command.observed;
    if (observed !== undefined && lot.carOf(command.plate, observed) === undefined) {
      if (!observed.every((id) => lot.knowsVisit(id)))
        throw new OutcomeUnknownError(command.gate, 'this replica does not hold the visits the first attempt was meant to remove');
      throw new NotInsideError(command.plate, { removed: true });
    }
    const lot2: LotSnapshot = observed === undefined ? snapshot : { ...snapshot, carOf: (plate) => lot.carOf(plate, observed) };
    const decision = decideExit(lot2, { plate: command.plate, gate: command.gate, now });
    // The visit behind decision.car (decideExit reads carOf, whose visit this is).
    const shown = lot.shownVisit(decision.plate, observed);
    lot.leave(decision.plate, observed, { req: command.requestId, gate: decision.gate, exitedAt: now });
    metrics.exits.inc();
    const value: ExitResult = { car: decision.car, gate: decision.gate, exitedAt: now, stayMs: decision.stayMs };
    return { value, ...(shown === undefined ? {} : { visit: shown.id }) };
  }

  private remember(requestId: string, result: Outcome): void {
    this.results.set(requestId, result);
    const limit = this.options.resultCacheSize ?? 10_000;
    if (this.results.size > limit) this.results.delete(this.results.keys().next().value as string);
  }
}
