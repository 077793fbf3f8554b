/**
 * Sends each command to the worker of its gate, wherever it runs. A command reaching any node is
 * executed locally when this node runs the gate, otherwise forwarded over the peer link to the owner
 * and its answer relayed. While a gate is moving (no live owner, the owner just died, or it answers
 * "not here"), the command is retried with capped, jittered backoff until `commandDeadlineMs`, then
 * refused with ERR_GATE_UNAVAILABLE.
 *
 * No command is applied twice. Every attempt carries the client's request id (see gate-service.ts).
 * When an attempt's outcome is unknown (its node went away before answering, or the owner could not
 * confirm the write on every live peer), the retry is made safe: an entry is answered by the gate's
 * owner from the visit carrying its request id (a new owner holds it after its takeover sync); an exit
 * is retried with the visit ids this node saw when the client asked, so it removes only those (a
 * re-entry made since survives, as an entry concurrent with the exit), and when the owner knows them
 * all removed it is answered as done (the lost attempt, or a concurrent exit, removed them). When the
 * deadline passes first the answer is ERR_OUTCOME_UNKNOWN.
 */
import type { Clock } from '../clock.js';
import { backoffDelay } from '../discovery/backoff.js';
import {
  BadRequestError,
  ErrorCodes,
  GateUnavailableError,
  isParkingError,
  NodeStoppingError,
  OutcomeUnknownError,
  ParkingError,
} from '../errors.js';
import type { LotDocument } from '../crdt/lot-document.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Random } from '../random.js';
import { MessageType } from '../message-types.js';
import type { Startable } from '../lifecycle.js';
import type { LinkObserver, Registrar } from '../transport/registrar.js';
import type { PeerLink } from '../transport/types.js';
import type { Car, ExitResult } from '../types.js';
import {
  fromResult,
  LIMITS,
  readCommand,
  readResult,
  toResult,
  writeCommand,
  writeResult,
  type CommandMessage,
  type ResultMessage,
} from './command-messages.js';
import { NotOwnerError, type CommandResult, type GateCommand, type GateService } from './gate-service.js';
import type { GateTable } from './gate-table.js';

export interface CommandRouterOptions {
  self: string;
  table: GateTable;
  service: GateService;
  lot: LotDocument;
  /** The open link to a live member, if any. */
  linkOf: (name: string) => PeerLink | undefined;
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: Metrics;
  commandDeadlineMs: number;
  /** Where the router registers COMMAND, RESULT and its link observer (absent in handler-level tests). */
  registrar?: Registrar;
  /**
   * Who runs a gate according to the claims (src/gates/claims.ts): a peer on its own link, or a node
   * this one cannot reach whose claim a peer relays (`link` is then that peer's). Absent: the table only.
   */
  runner?: (gate: number) => { name: string; link: PeerLink; relayed: boolean } | undefined;
}

type Outcome =
  { done: true; value: CommandResult } | { done: false; reason: string; unknown: boolean } | { done: 'refused'; error: ParkingError };

interface Pending {
  link: PeerLink;
  command: GateCommand;
  /** An exit's: the car this node saw when its client asked (named by the COMMAND's `expect`). */
  seen: Car | undefined;
  resolve: (outcome: Outcome) => void;
}

/** The visit shown for a plate, with its id (LotDocument.shownVisit). */
type Shown = { id: string; car: Car } | undefined;

export class CommandRouter implements Startable, LinkObserver {
  readonly name = 'router';
  private readonly options: CommandRouterOptions;
  private readonly log: Logger;
  private readonly pending = new Map<number, Pending>();
  /** Names forwarding attempts (a COMMAND's `id`); matched together with the link. */
  private nextId = 0;
  private stopping = false;

  constructor(options: CommandRouterOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'router' });
    const { registrar } = options;
    if (registrar !== undefined) {
      registrar.handle(MessageType.COMMAND, this.name, (link, payload) => this.handle(link, MessageType.COMMAND, payload));
      registrar.handle(MessageType.RESULT, this.name, (link, payload) => this.handle(link, MessageType.RESULT, payload));
      registrar.observe(this);
    }
  }

  start(): void {}

  /** Graceful stop, first of all: new commands are refused, forwarded ones answered "retry elsewhere". */
  beforeStop(): void {
    this.stopping = true;
  }

  stop(): void {
    this.stopping = true;
  }

  onLinkDown(link: PeerLink): void {
    this.linkDown(link);
  }

  /**
   * Executes a validated command wherever its gate runs. A request id longer than a COMMAND carries
   * (LIMITS.requestId; HTTP lets in 128 characters) is refused with ERR_BAD_REQUEST, whichever node
   * runs the gate, so that a caller's choice never depends on placement.
   */
  async execute(command: GateCommand): Promise<CommandResult> {
    if (Buffer.byteLength(command.requestId) > LIMITS.requestId) {
      throw new BadRequestError(`a request id has at most ${LIMITS.requestId} bytes`, { field: 'requestId' });
    }
    if (this.stopping) throw new NodeStoppingError();
    const { clock, self } = this.options;
    const deadline = clock.monotonic() + this.options.commandDeadlineMs;
    // What this node saw when the client asked: the visits an exit is meant to remove, and the car
    // it would report (an owner that removes that very car answers with the exit time alone).
    const seenVisits = command.op === 'exit' ? this.options.lot.visitsOf(command.plate) : [];
    const shown = command.op === 'exit' ? this.options.lot.shownVisit(command.plate) : undefined;
    const seenCar = shown?.car;
    let attempt: GateCommand = command;
    let unknownOutcome = false;
    let reason: string;
    for (let n = 0; ; n++) {
      if (this.stopping) throw new NodeStoppingError();
      // An earlier attempt may have been applied before its answer was lost. An entry is answered by
      // the owner from the visit carrying its request id (never from this replica alone: holding the
      // visit here does not make it confirmed on every live replica); an exit removes only what this
      // node saw when the client asked (having seen nothing, the owner decides afresh).
      if (unknownOutcome && command.op === 'exit' && seenVisits.length > 0)
        attempt = { ...command, observed: seenVisits.map(([id]) => id) };
      const target = this.target(command.gate);
      let outcome: Outcome;
      if (target === self) outcome = await this.local(attempt);
      else if (typeof target !== 'string') outcome = await this.forward(target, attempt, shown, deadline);
      else outcome = { done: false, reason: target, unknown: false };
      if (outcome.done === true) return outcome.value;
      if (outcome.done === 'refused') {
        // The retried exit found none of the visits the client meant, and the owner's replica knows
        // them removed (`details.removed`): the lost attempt, or a concurrent exit, removed them.
        if (unknownOutcome && isRemoved(outcome.error) && seenCar !== undefined) return this.exitDone(command, seenCar);
        // A refusal by the lot's rules rests on the owner's replica. After an attempt that may have been
        // applied, that replica may lack it (applied by an owner cut off from this one, which may come
        // back): the refusal may then be the echo of our own first attempt, or wrong once it merges.
        // Applied or not is unknown, and said so (the client retries with the same key).
        if (unknownOutcome && isLotRefusal(outcome.error))
          throw new OutcomeUnknownError(
            command.gate,
            `an earlier attempt may have been applied out of the owner's sight; the owner now refuses it (${outcome.error.code})`,
          );
        throw outcome.error;
      }
      reason = outcome.reason;
      unknownOutcome ||= outcome.unknown;
      const left = deadline - clock.monotonic();
      // An attempt may have been applied: say so, never "unavailable" (which promises nothing was done).
      if (left <= 0) throw unknownOutcome ? new OutcomeUnknownError(command.gate, reason) : new GateUnavailableError(command.gate, reason);
      await this.sleep(Math.min(left, backoffDelay(n, { baseMs: 20, maxMs: 250, random: this.options.random, jitter: 'equal' })));
    }
  }

  /**
   * Where a command for `gate` goes: this node's name when it runs the gate (or is placed to and
   * waits for it), the link of the node that runs it (or of the peer that relays its claim, in a
   * partial partition), or else why nowhere.
   */
  private target(gate: number): PeerLink | string {
    const { self, service, table, linkOf, runner } = this.options;
    if (service.owns(gate)) return self;
    // The claims say who runs it now, also during a handoff the table does not show yet.
    const claimed = runner?.(gate);
    if (claimed !== undefined) return claimed.link;
    const owner = table.owner(gate);
    if (owner === self) return self;
    if (owner === null) return 'no live node runs it';
    return linkOf(owner) ?? `its node ${owner} is unreachable`;
  }

  /** Handles COMMAND and RESULT messages; false for other types. Throws ProtocolError on bad bytes. */
  handle(link: PeerLink, type: number, payload: Uint8Array): boolean {
    if (type === MessageType.RESULT) {
      const result = readResult(payload);
      const pending = this.pending.get(result.id);
      if (pending !== undefined && pending.link === link) {
        // A RESULT that does not fit its command throws here, before the attempt is settled: the link
        // closes, and the attempt is retried as one whose outcome is unknown (linkDown).
        const outcome = this.outcomeOf(pending, result);
        this.pending.delete(result.id);
        pending.resolve(outcome);
      }
      return true;
    }
    if (type !== MessageType.COMMAND) return false;
    const command = readCommand(payload);
    const reply = (message: ResultMessage) => link.send(MessageType.RESULT, writeResult(message));
    if (this.stopping || !this.options.service.owns(command.gate)) {
      // One hop: a peer that cannot reach the gate's node sent it here, and this node can.
      const runner = this.stopping || command.relayed === true ? undefined : this.options.runner?.(command.gate);
      if (runner !== undefined && !runner.relayed && runner.link !== link) this.relay(command, runner.link, reply);
      else reply({ id: command.id, kind: 'retry', reason: 'not running here' });
      return true;
    }
    this.options.service
      .answer(command)
      .then((answer) => reply(toResult(command, answer, this.options.self)))
      .catch((err: unknown) => this.replyError(command, err, reply));
    return true;
  }

  /** Sends a peer's command on to the node that runs its gate, and its outcome back (partial partition). */
  private relay(command: CommandMessage, to: PeerLink, reply: (message: ResultMessage) => void): void {
    const { id, expect: _expect, relayed: _relayed, ...rest } = command;
    const deadline = this.options.clock.monotonic() + this.options.commandDeadlineMs;
    this.options.metrics.relayed.inc();
    void this.forward(to, rest, undefined, deadline, true).then((outcome) => {
      if (outcome.done === true)
        reply(
          rest.op === 'entry' ? { id, kind: 'car', car: outcome.value as Car } : { id, kind: 'exited', exit: outcome.value as ExitResult },
        );
      else if (outcome.done === 'refused') reply({ id, kind: 'refused', error: outcome.error.toWire() });
      else if (outcome.unknown) reply({ id, kind: 'refused', error: new OutcomeUnknownError(rest.gate, outcome.reason).toWire() });
      else reply({ id, kind: 'retry', reason: 'moved' });
    });
  }

  /** A link closed: its forwarded commands have an unknown outcome and are retried. */
  linkDown(link: PeerLink): void {
    for (const [id, pending] of this.pending) {
      if (pending.link !== link) continue;
      this.pending.delete(id);
      pending.resolve({ done: false, reason: `its node ${link.remote.name} went away`, unknown: true });
    }
  }

  private async local(command: GateCommand): Promise<Outcome> {
    try {
      return { done: true, value: await this.options.service.execute(command) };
    } catch (err) {
      if (err instanceof NotOwnerError || (isParkingError(err) && err.code === ErrorCodes.GATE_UNAVAILABLE))
        return { done: false, reason: 'it is moving', unknown: false };
      if (isParkingError(err) && err.code === ErrorCodes.OUTCOME_UNKNOWN) return { done: false, reason: unknownReason(err), unknown: true };
      if (isParkingError(err)) return { done: 'refused', error: err };
      throw err;
    }
  }

  private replyError(command: CommandMessage, err: unknown, reply: (message: ResultMessage) => void): void {
    if (err instanceof NotOwnerError || (isParkingError(err) && err.code === ErrorCodes.GATE_UNAVAILABLE))
      reply({ id: command.id, kind: 'retry', reason: 'moved' });
    else if (isParkingError(err)) reply({ id: command.id, kind: 'refused', error: err.toWire() });
    else {
      this.log.error({ err }, 'command failed');
      reply({ id: command.id, kind: 'refused', error: { code: ErrorCodes.INTERNAL, message: 'internal error' } });
    }
  }

  private forward(link: PeerLink, command: GateCommand, shown: Shown, deadline: number, relayed = false): Promise<Outcome> {
    const id = ++this.nextId;
    this.options.metrics.forwarded.inc();
    return new Promise<Outcome>((resolve) => {
      const timer = this.options.clock.setTimeout(
        () => {
          if (this.pending.delete(id)) resolve({ done: false, reason: `its node ${link.remote.name} did not answer`, unknown: true });
        },
        Math.max(1, deadline - this.options.clock.monotonic()),
      );
      this.pending.set(id, {
        link,
        command,
        seen: shown?.car,
        resolve: (outcome) => {
          this.options.clock.clearTimeout(timer);
          resolve(outcome);
        },
      });
      const message: CommandMessage = {
        ...command,
        id,
        ...(shown === undefined ? {} : { expect: shown.id }),
        ...(relayed ? { relayed: true } : {}),
      };
      if (!link.send(MessageType.COMMAND, writeCommand(message))) {
        this.pending.get(id)?.resolve({ done: false, reason: `its node ${link.remote.name} is unreachable`, unknown: false });
        this.pending.delete(id);
      }
    });
  }

  private outcomeOf(pending: Pending, result: ResultMessage): Outcome {
    if (result.kind === 'retry') return { done: false, reason: result.reason, unknown: false };
    if (result.kind === 'refused') {
      const error = ParkingError.fromWire(result.error);
      // Applied or not, the owner cannot tell yet: retried (with the same request id) until it can.
      if (error.code === ErrorCodes.OUTCOME_UNKNOWN) return { done: false, reason: unknownReason(error), unknown: true };
      return { done: 'refused', error };
    }
    return { done: true, value: fromResult(pending.command, result, pending.link.remote.name, pending.seen) };
  }

  private exitDone(command: GateCommand, car: Car): ExitResult {
    const now = this.options.clock.now();
    return { car, gate: command.gate, exitedAt: now, stayMs: Math.max(0, now - car.enteredAt) };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.options.clock.setTimeout(resolve, ms));
  }
}

/** A refusal by the lot's rules (409), which rests on the state of the replica that decided it. */
function isLotRefusal(error: ParkingError): boolean {
  return error.code === ErrorCodes.LOT_FULL || error.code === ErrorCodes.ALREADY_INSIDE || error.code === ErrorCodes.NOT_INSIDE;
}

/** ERR_NOT_INSIDE from an owner whose replica knows the visits removed (GateService.exit). */
function isRemoved(error: ParkingError): boolean {
  return error.code === ErrorCodes.NOT_INSIDE && error.details?.['removed'] === true;
}

/** The reason of an ERR_OUTCOME_UNKNOWN, for the error the client may end with. */
function unknownReason(error: ParkingError): string {
  const reason = error.details?.['reason'];
  return typeof reason === 'string' ? reason : 'its outcome is not known yet';
}
