import { describe, expect, it } from 'vitest';
import { EXIT_CODE_BY_ERROR, ExitCodes, exitCodeFor } from '../../../src/cli/exit-codes.js';
import { ErrorCodes, NodeUnreachableError, ParkingError, type ErrorCode } from '../../../src/errors.js';

/** The table of docs/cli.md, restated: a change to either must be deliberate. */
const EXPECTED: Record<ErrorCode, number> = {
  ERR_INVALID_PLATE: 1,
  ERR_UNKNOWN_GATE: 1,
  ERR_ALREADY_INSIDE: 1,
  ERR_LOT_FULL: 1,
  ERR_NOT_INSIDE: 1,
  ERR_INVALID_CONFIG: 2,
  ERR_BAD_REQUEST: 2,
  ERR_PAYLOAD_TOO_LARGE: 2,
  ERR_GATE_UNAVAILABLE: 3,
  ERR_NODE_STOPPING: 3,
  ERR_NODE_UNREACHABLE: 3,
  ERR_NOT_FOUND: 3,
  ERR_METHOD_NOT_ALLOWED: 3,
  ERR_UNSUPPORTED_MEDIA_TYPE: 3,
  ERR_PROTOCOL: 3,
  ERR_HANDSHAKE: 3,
  ERR_INTERNAL: 3,
  ERR_OUTCOME_UNKNOWN: 3,
  ERR_IDEMPOTENCY_KEY_REUSED: 2,
};

describe('exit codes', () => {
  it.each(Object.values(ErrorCodes))('maps %s to its documented exit code', (code) => {
    expect(EXPECTED[code]).toBeDefined();
    expect(exitCodeFor(new ParkingError(code, 'x'))).toBe(EXPECTED[code]);
    expect(EXIT_CODE_BY_ERROR[code]).toBe(EXPECTED[code]);
  });

  it('uses 1 for lot refusals, 2 for usage, 3 for unavailable', () => {
    expect(ExitCodes).toEqual({ OK: 0, REFUSED: 1, USAGE: 2, UNAVAILABLE: 3 });
  });

  it('maps a subclass by its code', () => {
    expect(exitCodeFor(new NodeUnreachableError('http://x', 'refused'))).toBe(3);
  });

  it('maps anything that is not a ParkingError to 3', () => {
    expect(exitCodeFor(new TypeError('boom'))).toBe(3);
    expect(exitCodeFor('a string')).toBe(3);
    expect(exitCodeFor(undefined)).toBe(3);
  });
});
