/**
 * COMMAND and RESULT codecs, and the compact answer: every message reads back as written, any other
 * bytes are refused with a ProtocolError (never another exception), and a DONE is sent only when the
 * forwarder rebuilds exactly the owner's value. fast-check prints the seed and the path to replay a
 * failure (`fc.assert(..., { seed, path })`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, ProtocolError, type ErrorCode } from '../../../src/errors.js';
import {
  fromResult,
  LIMITS,
  readCommand,
  readResult,
  RetryReasons,
  toResult,
  WIRE_ERROR_CODES,
  writeCommand,
  writeResult,
  type CommandMessage,
  type ResultMessage,
} from '../../../src/gates/command-messages.js';
import type { Car, ExitResult } from '../../../src/types.js';

const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const carArb: fc.Arbitrary<Car> = fc.record({ plate: text(12), gate: fc.nat(), enteredAt: fc.maxSafeNat(), node: text(20) });
const commandArb: fc.Arbitrary<CommandMessage> = fc.record(
  {
    id: fc.maxSafeNat(),
    op: fc.constantFrom('entry' as const, 'exit' as const),
    plate: text(12),
    gate: fc.nat(),
    requestId: fc.oneof(text(40), fc.uuid({ version: 4 })),
    observed: fc.array(text(12), { maxLength: 5 }),
    expect: text(12),
  },
  { requiredKeys: ['id', 'op', 'plate', 'gate', 'requestId'] },
);
const detailsArb = fc.option(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), { nil: undefined });
const resultArb: fc.Arbitrary<ResultMessage> = fc.oneof(
  fc.record({ id: fc.maxSafeNat(), kind: fc.constant('done' as const), at: fc.maxSafeNat() }),
  fc.record({ id: fc.maxSafeNat(), kind: fc.constant('car' as const), car: carArb }),
  fc.record({
    id: fc.maxSafeNat(),
    kind: fc.constant('exited' as const),
    exit: fc.record({ car: carArb, gate: fc.nat(), exitedAt: fc.maxSafeNat(), stayMs: fc.maxSafeNat() }),
  }),
  fc.record({
    id: fc.maxSafeNat(),
    kind: fc.constant('refused' as const),
    error: fc
      .tuple(fc.constantFrom<ErrorCode>(...WIRE_ERROR_CODES), text(30), detailsArb)
      .map(([code, message, details]) => (details === undefined ? { code, message } : { code, message, details })),
  }),
  fc.record({ id: fc.maxSafeNat(), kind: fc.constant('retry' as const), reason: fc.constantFrom(...RetryReasons) }),
);

function onlyProtocolErrors(read: () => unknown): void {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
  }
}

describe('COMMAND and RESULT codecs', () => {
  it('read back every message as written', () => {
    fc.assert(
      fc.property(commandArb, (command) => {
        expect(readCommand(writeCommand(command))).toEqual(command);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(resultArb, (result) => {
        expect(readResult(writeResult(result))).toEqual(result);
      }),
      { numRuns: 1000 },
    );
  });

  it('throw nothing but a ProtocolError on random bytes, and on every truncation of a real message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        onlyProtocolErrors(() => readCommand(bytes));
        onlyProtocolErrors(() => readResult(bytes));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(commandArb, resultArb, (command, result) => {
        const [c, r] = [writeCommand(command), writeResult(result)];
        for (let n = 0; n < c.byteLength; n++) expect(() => readCommand(c.subarray(0, n))).toThrow(ProtocolError);
        for (let n = 0; n < r.byteLength; n++) expect(() => readResult(r.subarray(0, n))).toThrow(ProtocolError);
      }),
      { numRuns: 100 },
    );
  });

  it('refuse trailing bytes, unknown op bits, kinds and reasons, over-long fields and more than 1024 observed visits', () => {
    const command: CommandMessage = { id: 1, op: 'exit', plate: 'P 1', gate: 2, requestId: 'r' };
    expect(() => readCommand(Uint8Array.of(...writeCommand(command), 0))).toThrow(ProtocolError);
    expect(() => readResult(Uint8Array.of(...writeResult({ id: 1, kind: 'done', at: 5 }), 0))).toThrow(ProtocolError);
    expect(() => readCommand(Uint8Array.of(1, 0x20, 1, 0, 0))).toThrow(ProtocolError);
    expect(readCommand(writeCommand({ ...command, relayed: true })).relayed).toBe(true);
    expect(() => readResult(Uint8Array.of(1, 5))).toThrow(ProtocolError);
    expect(() => readResult(Uint8Array.of(1, 4, RetryReasons.length))).toThrow(ProtocolError);
    expect(() => readCommand(writeCommand({ ...command, plate: 'P'.repeat(LIMITS.plate + 1) }))).toThrow(ProtocolError);
    expect(readCommand(writeCommand({ ...command, observed: Array(LIMITS.observed).fill('a.1') })).observed).toHaveLength(LIMITS.observed);
    expect(() => readCommand(writeCommand({ ...command, observed: Array(LIMITS.observed + 1).fill('a.1') }))).toThrow(ProtocolError);
    // A count far beyond the bytes that follow is refused before anything is allocated for it.
    expect(() => readCommand(Uint8Array.of(1, 0b11, 1, 1, 0x50, 1, 0x72, 0xff, 0xff, 0xff, 0x0f))).toThrow(ProtocolError);
  });

  it('read an error code this node does not know as ERR_INTERNAL, as ParkingError.fromWire does', () => {
    const bytes = writeResult({ id: 3, kind: 'refused', error: { code: ErrorCodes.LOT_FULL, message: 'full' } });
    bytes[2] = 200;
    expect(readResult(bytes)).toEqual({ id: 3, kind: 'refused', error: { code: ErrorCodes.INTERNAL, message: 'full' } });
  });

  it('carry a forwarded entry in under 40 bytes and its answer in 10 at most', () => {
    const command: CommandMessage = { id: 70_000, op: 'entry', plate: 'ABC 1234', gate: 2, requestId: crypto.randomUUID() };
    expect(writeCommand(command).byteLength).toBeLessThan(40);
    expect(writeResult({ id: 70_000, kind: 'done', at: Date.UTC(2026, 10, 23) }).byteLength).toBeLessThanOrEqual(10);
  });
});

describe('the compact answer', () => {
  const entry: CommandMessage = { id: 1, op: 'entry', plate: 'P 1', gate: 2, requestId: 'r1' };
  const exit: CommandMessage = { id: 2, op: 'exit', plate: 'P 1', gate: 3, requestId: 'r2', expect: 'abc.1' };
  const car: Car = { plate: 'P 1', gate: 2, enteredAt: 1_000, node: 'owner' };
  const exited: ExitResult = { car, gate: 3, exitedAt: 5_000, stayMs: 4_000 };
  const done = (r: ResultMessage) => r as Extract<ResultMessage, { kind: 'done' | 'car' | 'exited' }>;

  it('answers an entry the owner wrote at the gate asked with its entry time alone', () => {
    const result = toResult(entry, { value: car }, 'owner');
    expect(result).toEqual({ id: 1, kind: 'done', at: 1_000 });
    expect(fromResult(entry, done(result), 'owner', undefined)).toEqual(car);
  });

  it('answers an entry found under its request id (another gate or node) with the whole car', () => {
    const earlier: Car = { plate: 'P 1', gate: 4, enteredAt: 900, node: 'old-owner' };
    const result = toResult(entry, { value: earlier }, 'owner');
    expect(result).toEqual({ id: 1, kind: 'car', car: earlier });
    expect(fromResult(entry, done(result), 'owner', undefined)).toEqual(earlier);
  });

  it('answers an exit that removed the car the forwarder saw with the exit time alone', () => {
    const result = toResult(exit, { value: exited, visit: 'abc.1' }, 'owner');
    expect(result).toEqual({ id: 2, kind: 'done', at: 5_000 });
    expect(fromResult(exit, done(result), 'owner', car)).toEqual(exited);
  });

  it('answers an exit that removed another visit than the forwarder saw, or when it saw none, with the whole value', () => {
    expect(toResult(exit, { value: exited, visit: 'def.7' }, 'owner')).toEqual({ id: 2, kind: 'exited', exit: exited });
    const { expect: _, ...blind } = exit;
    expect(toResult(blind, { value: exited, visit: 'abc.1' }, 'owner')).toEqual({ id: 2, kind: 'exited', exit: exited });
    expect(fromResult(blind, { id: 2, kind: 'exited', exit: exited }, 'owner', undefined)).toEqual(exited);
  });

  it('refuses a RESULT that does not fit its command as a ProtocolError', () => {
    expect(() => fromResult(exit, { id: 2, kind: 'done', at: 5 }, 'owner', undefined)).toThrow(ProtocolError);
    expect(() => fromResult(entry, { id: 1, kind: 'exited', exit: exited }, 'owner', undefined)).toThrow(ProtocolError);
    expect(() => fromResult(exit, { id: 2, kind: 'car', car }, 'owner', car)).toThrow(ProtocolError);
    expect(() => fromResult(entry, { id: 1, kind: 'car', car: { ...car, plate: 'OTHER' } }, 'owner', undefined)).toThrow(ProtocolError);
  });

  it("never lets the forwarder rebuild a value other than the owner's", () => {
    const cmdArb = fc.record({
      op: fc.constantFrom('entry' as const, 'exit' as const),
      plate: fc.constantFrom('P', 'Q'),
      gate: fc.nat(3),
      expect: fc.option(fc.constantFrom('a.1', 'a.2'), { nil: undefined }),
    });
    const carOf = fc.record({
      plate: fc.constantFrom('P', 'Q'),
      gate: fc.nat(3),
      enteredAt: fc.nat(10),
      node: fc.constantFrom('owner', 'other'),
    });
    fc.assert(
      fc.property(
        cmdArb,
        carOf,
        carOf,
        fc.nat(20),
        fc.nat(20),
        fc.constantFrom('a.1', 'a.2'),
        (c, value, seenCar, exitedAt, stayMs, visit) => {
          const command: CommandMessage = {
            id: 9,
            op: c.op,
            plate: c.plate,
            gate: c.gate,
            requestId: 'r',
            ...(c.expect === undefined ? {} : { expect: c.expect }),
          };
          // The forwarder's seen car is the record of the visit it named; same id, same record.
          const seen = c.expect === undefined ? undefined : c.expect === visit ? value : seenCar;
          const answer = c.op === 'entry' ? { value } : { value: { car: value, gate: c.gate, exitedAt, stayMs }, visit };
          if (value.plate !== c.plate) return; // the owner answers for the command's plate only
          const result = toResult(command, answer, 'owner');
          expect(fromResult(command, done(result), 'owner', seen)).toEqual(answer.value);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
