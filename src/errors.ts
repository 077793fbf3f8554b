/**
 * Every error that parking raises on purpose is a {@link ParkingError} with a stable `code`.
 * Callers branch on `err.code`, never on the message. `docs/errors.md` lists each code, what it
 * means and what to do. Only the CLI maps codes to exit codes (src/cli/exit-codes.ts) and only the
 * HTTP layer maps them to statuses (src/api/status-codes.ts).
 */

/** The stable error codes, one per condition. */
export const ErrorCodes = {
  INVALID_PLATE: 'ERR_INVALID_PLATE',
  UNKNOWN_GATE: 'ERR_UNKNOWN_GATE',
  ALREADY_INSIDE: 'ERR_ALREADY_INSIDE',
  LOT_FULL: 'ERR_LOT_FULL',
  NOT_INSIDE: 'ERR_NOT_INSIDE',
  GATE_UNAVAILABLE: 'ERR_GATE_UNAVAILABLE',
  NODE_STOPPING: 'ERR_NODE_STOPPING',
  INVALID_CONFIG: 'ERR_INVALID_CONFIG',
  BAD_REQUEST: 'ERR_BAD_REQUEST',
  NOT_FOUND: 'ERR_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'ERR_METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'ERR_PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  NODE_UNREACHABLE: 'ERR_NODE_UNREACHABLE',
  PROTOCOL: 'ERR_PROTOCOL',
  HANDSHAKE: 'ERR_HANDSHAKE',
  INTERNAL: 'ERR_INTERNAL',
  OUTCOME_UNKNOWN: 'ERR_OUTCOME_UNKNOWN',
  IDEMPOTENCY_KEY_REUSED: 'ERR_IDEMPOTENCY_KEY_REUSED',
} as const;

/** One of the stable codes in {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

/** The JSON shape of an error on the HTTP API and on the peer link. */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Base class of every deliberate error; `code` is stable, `details` is plain JSON. */
export class ParkingError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ParkingError';
    this.code = code;
    this.details = details;
  }

  /** The JSON form sent to HTTP clients and peers. */
  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  /** Rebuilds an error received from a peer or an HTTP response; unknown codes become ERR_INTERNAL. */
  static fromWire(wire: unknown): ParkingError {
    if (typeof wire === 'object' && wire !== null) {
      const w = wire as Record<string, unknown>;
      const code = typeof w.code === 'string' && KNOWN_CODES.has(w.code) ? (w.code as ErrorCode) : ErrorCodes.INTERNAL;
      const message = typeof w.message === 'string' ? w.message : 'unknown error';
      const details = typeof w.details === 'object' && w.details !== null ? (w.details as Record<string, unknown>) : undefined;
      return new ParkingError(code, message, details);
    }
    return new ParkingError(ErrorCodes.INTERNAL, 'malformed error');
  }
}

/** True when `err` is a ParkingError (also across module copies, by duck typing on `code`). */
export function isParkingError(err: unknown): err is ParkingError {
  if (err instanceof ParkingError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as unknown as { code?: unknown }).code;
  return typeof code === 'string' && KNOWN_CODES.has(code) && typeof (err as unknown as { toWire?: unknown }).toWire === 'function';
}

export class InvalidPlateError extends ParkingError {
  constructor(reason: string, details?: Record<string, unknown>) {
    super(ErrorCodes.INVALID_PLATE, `invalid plate: ${reason}`, details);
    this.name = 'InvalidPlateError';
  }
}

export class UnknownGateError extends ParkingError {
  constructor(gate: unknown, gates: number) {
    super(ErrorCodes.UNKNOWN_GATE, `unknown gate ${JSON.stringify(gate)}: gates are 1..${gates}`, {
      gate: typeof gate === 'number' ? gate : String(gate),
      gates,
    });
    this.name = 'UnknownGateError';
  }
}

export class AlreadyInsideError extends ParkingError {
  constructor(plate: string, gate: number, enteredAt: number) {
    super(ErrorCodes.ALREADY_INSIDE, `${plate} is already inside: entered at gate ${gate} at ${new Date(enteredAt).toISOString()}`, {
      plate,
      gate,
      enteredAt,
    });
    this.name = 'AlreadyInsideError';
  }
}

export class LotFullError extends ParkingError {
  constructor(spaces: number, occupied: number) {
    super(ErrorCodes.LOT_FULL, `the lot is full: ${occupied} of ${spaces} spaces taken`, { spaces, occupied });
    this.name = 'LotFullError';
  }
}

export class NotInsideError extends ParkingError {
  /** `extra.removed`: a retried exit found the visits it was meant to remove already removed. */
  constructor(plate: string, extra: { removed?: true } = {}) {
    super(ErrorCodes.NOT_INSIDE, `${plate} is not inside`, { plate, ...extra });
    this.name = 'NotInsideError';
  }
}

export class GateUnavailableError extends ParkingError {
  constructor(gate: number, reason: string) {
    super(ErrorCodes.GATE_UNAVAILABLE, `gate ${gate} is unavailable: ${reason}`, { gate });
    this.name = 'GateUnavailableError';
  }
}

/**
 * The command may or may not have been applied, and the node cannot tell yet: its write is not
 * confirmed on every live replica (a peer neither acknowledged it nor was declared dead in time), or
 * the node that ran it went away before answering and nothing proves either way. Retry with the same
 * Idempotency-Key: the retry is answered from the first attempt if it was applied, applied once if not.
 */
export class OutcomeUnknownError extends ParkingError {
  constructor(gate: number, reason: string) {
    super(ErrorCodes.OUTCOME_UNKNOWN, `the outcome at gate ${gate} is not known yet: ${reason}; retry with the same Idempotency-Key`, {
      gate,
      reason,
    });
    this.name = 'OutcomeUnknownError';
  }
}

/** A request id (Idempotency-Key) already used for another command (another operation or plate). */
export class IdempotencyKeyReusedError extends ParkingError {
  constructor(op: string, plate: string) {
    super(ErrorCodes.IDEMPOTENCY_KEY_REUSED, `this Idempotency-Key was used for another command; use a new key for ${op} ${plate}`, {
      op,
      plate,
    });
    this.name = 'IdempotencyKeyReusedError';
  }
}

export class NodeStoppingError extends ParkingError {
  constructor() {
    super(ErrorCodes.NODE_STOPPING, 'the node is stopping and takes no new commands');
    this.name = 'NodeStoppingError';
  }
}

export class ConfigError extends ParkingError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(ErrorCodes.INVALID_CONFIG, `invalid config ${field}: ${message}`, { field });
    this.name = 'ConfigError';
    this.field = field;
  }
}

export class BadRequestError extends ParkingError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCodes.BAD_REQUEST, message, details);
    this.name = 'BadRequestError';
  }
}

export class NotFoundError extends ParkingError {
  constructor(what: string) {
    super(ErrorCodes.NOT_FOUND, `not found: ${what}`);
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends ParkingError {
  constructor(method: string, path: string) {
    super(ErrorCodes.METHOD_NOT_ALLOWED, `${method} is not allowed on ${path}`);
    this.name = 'MethodNotAllowedError';
  }
}

export class PayloadTooLargeError extends ParkingError {
  constructor(limit: number) {
    super(ErrorCodes.PAYLOAD_TOO_LARGE, `body larger than ${limit} bytes`, { limit });
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends ParkingError {
  constructor(type: string | undefined) {
    super(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, `expected application/json, got ${type ?? 'no content type'}`);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class NodeUnreachableError extends ParkingError {
  constructor(url: string, cause: string) {
    super(ErrorCodes.NODE_UNREACHABLE, `cannot reach ${url}: ${cause}`, { url });
    this.name = 'NodeUnreachableError';
  }
}

/** Bad bytes or an unexpected message on a peer link. Never thrown past the transport. */
export class ProtocolError extends ParkingError {
  constructor(message: string) {
    super(ErrorCodes.PROTOCOL, message);
    this.name = 'ProtocolError';
  }
}

/** A peer failed the handshake: wrong cookie, other cluster, duplicate name, bad version. */
export class HandshakeError extends ParkingError {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(ErrorCodes.HANDSHAKE, message, { reason });
    this.name = 'HandshakeError';
    this.reason = reason;
  }
}
