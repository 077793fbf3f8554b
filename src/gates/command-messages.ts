/**
 * COMMAND and RESULT: how a node asks the node running a gate to execute a command, and the answer.
 * Binary (lib0 varuints and var strings), because two thirds of the commands of a three-node cluster
 * are forwarded: these bytes are paid per operation.
 *
 *   COMMAND  varuint   id          names this forwarding attempt: the forwarder's counter
 *            uint8     op          bit 0: 0 entry, 1 exit; bit 1: `observed` follows; bit 2: `expect`
 *                                  follows; bit 3: requestId is a UUID, as 16 bytes; bit 4: relayed
 *                                  (sent on by a node that does not run the gate: never relayed
 *                                  again); bits 5-7: 0
 *            varuint   gate
 *            varstring plate       (at most 256 bytes)
 *            varstring requestId   (at most 512 bytes), or 16 bytes when bit 3 is set: a lower-case
 *                                  canonical UUID (what the HTTP client sends), 21 bytes smaller
 *           [varuint   count       observed: a retried exit's visit ids (at most 1024)
 *            varstring id ...]     (at most 64 bytes each)
 *           [varstring expect]     an exit's: the id of the visit whose car the forwarder saw
 *
 *   RESULT   varuint   id          the COMMAND's
 *            uint8     kind, then
 *              0 DONE     varuint at          the outcome only, see below
 *              1 CAR      car                 an entry's whole value
 *              2 EXITED   car, varuint gate, varuint exitedAt, varuint stayMs   an exit's whole value
 *              3 REFUSED  uint8 code (WIRE_ERROR_CODES; unknown: ERR_INTERNAL), varstring message,
 *                         varstring details (a JSON object; '' = none)
 *              4 RETRY    uint8 reason        0 not running here, 1 moved: try again
 *            car = varstring plate, varuint gate, varuint enteredAt, varstring node
 *
 * DONE carries only what the forwarder cannot know, and the owner sends it only when the value the
 * forwarder rebuilds from it is exactly the owner's value ({@link toResult}), else the whole value:
 * - an entry: DONE `at` = the entry time; the car is {plate, gate of the command, at, node = the
 *   answering peer}. The owner sends CAR instead when its answer is another visit (a retried entry
 *   answered from the visit an earlier attempt wrote, maybe on another node, at another gate).
 * - an exit: DONE `at` = the exit time; the car is the one the forwarder saw when its client asked,
 *   named by `expect`, and the stay is `max(0, at - car.enteredAt)`. The owner sends EXITED instead
 *   when the car it removed is another visit (the forwarder's replica had not seen the newest entry
 *   yet, or saw no car at all), so the forwarder never reports a car the owner did not remove.
 * The forwarder's replica holds the write anyway by the time the answer comes (the owner answers
 * after its peers acknowledged it), but DONE does not depend on that: an ack timeout, or an update
 * Yjs still holds back, cannot make the forwarder answer with a car it does not have.
 *
 * Malformed or truncated bytes, an unknown op bit, kind or reason, an oversized field and trailing
 * bytes are a ProtocolError (and close the link), never another exception.
 */
import * as encoding from 'lib0/encoding';
import { decodeAll, readByte, readBytes, readString, readUint, type Decoder } from '../crdt/binary.js';
import { ErrorCodes, ProtocolError, type ErrorCode, type WireError } from '../errors.js';
import type { Car, ExitResult } from '../types.js';
import type { Answer, CommandResult, GateCommand } from './gate-service.js';

export interface CommandMessage extends GateCommand {
  id: number;
  /** An exit's: the id of the visit whose car the forwarder saw (and would report). */
  expect?: string;
  /** Sent on by a node that relays it (partial partition): never relayed again. */
  relayed?: boolean;
}

/** Why a COMMAND was not run: try again, at the gate's owner. */
export const RetryReasons = ['not running here', 'moved'] as const;
export type RetryReason = (typeof RetryReasons)[number];

export type ResultMessage =
  | { id: number; kind: 'done'; at: number }
  | { id: number; kind: 'car'; car: Car }
  | { id: number; kind: 'exited'; exit: ExitResult }
  | { id: number; kind: 'refused'; error: WireError }
  | { id: number; kind: 'retry'; reason: RetryReason };

/** Error codes by their byte on the wire: append only, never reorder. */
export const WIRE_ERROR_CODES = [
  ErrorCodes.INVALID_PLATE,
  ErrorCodes.UNKNOWN_GATE,
  ErrorCodes.ALREADY_INSIDE,
  ErrorCodes.LOT_FULL,
  ErrorCodes.NOT_INSIDE,
  ErrorCodes.GATE_UNAVAILABLE,
  ErrorCodes.NODE_STOPPING,
  ErrorCodes.INVALID_CONFIG,
  ErrorCodes.BAD_REQUEST,
  ErrorCodes.NOT_FOUND,
  ErrorCodes.METHOD_NOT_ALLOWED,
  ErrorCodes.PAYLOAD_TOO_LARGE,
  ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
  ErrorCodes.NODE_UNREACHABLE,
  ErrorCodes.PROTOCOL,
  ErrorCodes.HANDSHAKE,
  ErrorCodes.INTERNAL,
  ErrorCodes.OUTCOME_UNKNOWN,
  ErrorCodes.IDEMPOTENCY_KEY_REUSED,
] as const satisfies readonly ErrorCode[];
// Fails to compile until a new code has its byte above.
const allCodesHaveAByte: [Exclude<ErrorCode, (typeof WIRE_ERROR_CODES)[number]>] extends [never] ? true : never = true;
void allCodesHaveAByte;

const OP_EXIT = 1;
const OP_OBSERVED = 2;
const OP_EXPECT = 4;
const OP_UUID = 8;
const OP_RELAYED = 16;
const Kind = { DONE: 0, CAR: 1, EXITED: 2, REFUSED: 3, RETRY: 4 } as const;

/** Limits when reading (UTF-8 bytes): far above what validation lets in, far below a frame. */
export const LIMITS = { plate: 256, requestId: 512, observed: 1024, visitId: 64, node: 1024, message: 4096, details: 16_384 } as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A varuint; a value that is not one is a bug on this side (RangeError), not the peer's. */
function writeNat(encoder: encoding.Encoder, value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, not ${value}`);
  encoding.writeVarUint(encoder, value);
}

export function writeCommand(message: CommandMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  const uuid = UUID.test(message.requestId);
  encoding.writeVarUint(encoder, message.id);
  encoding.writeUint8(
    encoder,
    (message.op === 'exit' ? OP_EXIT : 0) |
      (message.observed !== undefined ? OP_OBSERVED : 0) |
      (message.expect !== undefined ? OP_EXPECT : 0) |
      (uuid ? OP_UUID : 0) |
      (message.relayed === true ? OP_RELAYED : 0),
  );
  writeNat(encoder, message.gate, 'gate');
  encoding.writeVarString(encoder, message.plate);
  if (uuid) encoding.writeUint8Array(encoder, Buffer.from(message.requestId.replaceAll('-', ''), 'hex'));
  else encoding.writeVarString(encoder, message.requestId);
  if (message.observed !== undefined) {
    encoding.writeVarUint(encoder, message.observed.length);
    for (const id of message.observed) encoding.writeVarString(encoder, id);
  }
  if (message.expect !== undefined) encoding.writeVarString(encoder, message.expect);
  return encoding.toUint8Array(encoder);
}

export function readCommand(payload: Uint8Array): CommandMessage {
  return decodeAll(payload, 'COMMAND', (decoder) => {
    const id = readUint(decoder);
    const op = readByte(decoder);
    if (op > (OP_EXIT | OP_OBSERVED | OP_EXPECT | OP_UUID | OP_RELAYED)) throw new ProtocolError(`unknown COMMAND op ${op}`);
    const gate = readUint(decoder);
    const plate = readString(decoder, LIMITS.plate, 'plate');
    let requestId: string;
    if ((op & OP_UUID) !== 0) {
      const hex = Buffer.from(readBytes(decoder, 16)).toString('hex');
      requestId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    } else requestId = readString(decoder, LIMITS.requestId, 'requestId');
    const message: CommandMessage = { id, op: (op & OP_EXIT) !== 0 ? 'exit' : 'entry', plate, gate, requestId };
    if ((op & OP_OBSERVED) !== 0) {
      const count = readUint(decoder, LIMITS.observed, 'observed count');
      message.observed = [];
      for (let i = 0; i < count; i++) message.observed.push(readString(decoder, LIMITS.visitId, 'visit id'));
    }
    if ((op & OP_EXPECT) !== 0) message.expect = readString(decoder, LIMITS.visitId, 'visit id');
    if ((op & OP_RELAYED) !== 0) message.relayed = true;
    return message;
  });
}

function writeCar(encoder: encoding.Encoder, car: Car): void {
  encoding.writeVarString(encoder, car.plate);
  writeNat(encoder, car.gate, 'gate');
  writeNat(encoder, car.enteredAt, 'enteredAt');
  encoding.writeVarString(encoder, car.node);
}

function readCar(decoder: Decoder): Car {
  const plate = readString(decoder, LIMITS.plate, 'plate');
  const gate = readUint(decoder);
  const enteredAt = readUint(decoder);
  return { plate, gate, enteredAt, node: readString(decoder, LIMITS.node, 'node') };
}

export function writeResult(message: ResultMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, message.id);
  switch (message.kind) {
    case 'done':
      encoding.writeUint8(encoder, Kind.DONE);
      writeNat(encoder, message.at, 'at');
      break;
    case 'car':
      encoding.writeUint8(encoder, Kind.CAR);
      writeCar(encoder, message.car);
      break;
    case 'exited':
      encoding.writeUint8(encoder, Kind.EXITED);
      writeCar(encoder, message.exit.car);
      writeNat(encoder, message.exit.gate, 'gate');
      writeNat(encoder, message.exit.exitedAt, 'exitedAt');
      writeNat(encoder, message.exit.stayMs, 'stayMs');
      break;
    case 'refused': {
      const code = (WIRE_ERROR_CODES as readonly ErrorCode[]).indexOf(message.error.code);
      encoding.writeUint8(encoder, Kind.REFUSED);
      encoding.writeUint8(encoder, code < 0 ? WIRE_ERROR_CODES.indexOf(ErrorCodes.INTERNAL) : code);
      encoding.writeVarString(encoder, message.error.message);
      encoding.writeVarString(encoder, message.error.details === undefined ? '' : JSON.stringify(message.error.details));
      break;
    }
    case 'retry':
      encoding.writeUint8(encoder, Kind.RETRY);
      encoding.writeUint8(encoder, RetryReasons.indexOf(message.reason));
      break;
  }
  return encoding.toUint8Array(encoder);
}

export function readResult(payload: Uint8Array): ResultMessage {
  return decodeAll(payload, 'RESULT', (decoder): ResultMessage => {
    const id = readUint(decoder);
    const kind = readByte(decoder);
    switch (kind) {
      case Kind.DONE:
        return { id, kind: 'done', at: readUint(decoder) };
      case Kind.CAR:
        return { id, kind: 'car', car: readCar(decoder) };
      case Kind.EXITED: {
        const car = readCar(decoder);
        const gate = readUint(decoder);
        const exitedAt = readUint(decoder);
        return { id, kind: 'exited', exit: { car, gate, exitedAt, stayMs: readUint(decoder) } };
      }
      case Kind.REFUSED:
        return { id, kind: 'refused', error: readError(decoder) };
      case Kind.RETRY: {
        const reason = RetryReasons[readByte(decoder)];
        if (reason === undefined) throw new ProtocolError('unknown RESULT retry reason');
        return { id, kind: 'retry', reason };
      }
      default:
        throw new ProtocolError(`unknown RESULT kind ${kind}`);
    }
  });
}

function readError(decoder: Decoder): WireError {
  // A code this node does not know (a newer peer's) is ERR_INTERNAL, as in ParkingError.fromWire.
  const code = WIRE_ERROR_CODES[readByte(decoder)] ?? ErrorCodes.INTERNAL;
  const message = readString(decoder, LIMITS.message, 'message');
  const json = readString(decoder, LIMITS.details, 'details');
  if (json === '') return { code, message };
  const details: unknown = JSON.parse(json);
  if (typeof details !== 'object' || details === null || Array.isArray(details))
    throw new ProtocolError('RESULT error details are not an object');
  return { code, message, details: details as Record<string, unknown> };
}

/**
 * The owner's RESULT for a command it ran: DONE when the forwarder's rebuild ({@link fromResult})
 * gives exactly `answer.value`, else the whole value. `self` is the owner's name, which the forwarder
 * knows as its link's remote name.
 */
export function toResult(command: CommandMessage, answer: Answer, self: string): ResultMessage {
  const { id } = command;
  if (command.op === 'entry') {
    const car = answer.value as Car;
    const rebuilt = car.plate === command.plate && car.gate === command.gate && car.node === self;
    return rebuilt ? { id, kind: 'done', at: car.enteredAt } : { id, kind: 'car', car };
  }
  const exit = answer.value as ExitResult;
  const rebuilt =
    command.expect !== undefined &&
    answer.visit === command.expect &&
    exit.car.plate === command.plate &&
    exit.gate === command.gate &&
    exit.stayMs === Math.max(0, exit.exitedAt - exit.car.enteredAt);
  return rebuilt ? { id, kind: 'done', at: exit.exitedAt } : { id, kind: 'exited', exit };
}

/**
 * The forwarder's value for an answered command: rebuilt from DONE with what it knows (the command,
 * the answering `owner`, the car `seen` when its client asked: the visit named by `expect`), or
 * taken whole. A RESULT that does not fit the command (a DONE for an exit sent without `expect`, a
 * car for an exit, another plate) is a ProtocolError.
 */
export function fromResult(
  command: GateCommand,
  result: Extract<ResultMessage, { kind: 'done' | 'car' | 'exited' }>,
  owner: string,
  seen: Car | undefined,
): CommandResult {
  const misfit = () => new ProtocolError(`RESULT ${result.kind} does not answer this ${command.op}`);
  if (command.op === 'entry') {
    if (result.kind === 'done') return { plate: command.plate, gate: command.gate, enteredAt: result.at, node: owner };
    if (result.kind !== 'car' || result.car.plate !== command.plate) throw misfit();
    return result.car;
  }
  if (result.kind === 'done') {
    if (seen === undefined) throw misfit();
    return { car: seen, gate: command.gate, exitedAt: result.at, stayMs: Math.max(0, result.at - seen.enteredAt) };
  }
  if (result.kind !== 'exited' || result.exit.car.plate !== command.plate) throw misfit();
  return result.exit;
}
