/**
 * The one place where error codes become process exit codes (src/errors.ts: only the CLI maps codes
 * to exit codes). docs/cli.md carries the same table for people and scripts.
 *
 * The split follows what a script should do next:
 * - 1: the lot refused the command. Retrying it unchanged gives the same answer; the input or the
 *   lot's state has to change first.
 * - 2: the command line (or the config it names) is wrong. Nothing was sent, or the node rejected
 *   the request as malformed.
 * - 3: no healthy node answered. Retrying later, or against another node, may succeed.
 */
import { ErrorCodes, isParkingError, type ErrorCode } from '../errors.js';

/** Exit codes of every `parking` command. */
export const ExitCodes = {
  /** The command did what was asked. */
  OK: 0,
  /** Refused by the lot's rules (plate, gate, capacity, presence). */
  REFUSED: 1,
  /** Usage error: bad arguments, bad flags, invalid config, malformed request. */
  USAGE: 2,
  /** The node is unreachable, stopping, or failed. */
  UNAVAILABLE: 3,
} as const;

/** One of {@link ExitCodes}. */
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/**
 * Exit code per error code. A full Record on purpose: a code added to src/errors.ts fails the
 * type check here until someone decides what a script should do about it.
 */
export const EXIT_CODE_BY_ERROR: Readonly<Record<ErrorCode, ExitCode>> = {
  [ErrorCodes.INVALID_PLATE]: ExitCodes.REFUSED,
  [ErrorCodes.UNKNOWN_GATE]: ExitCodes.REFUSED,
  [ErrorCodes.ALREADY_INSIDE]: ExitCodes.REFUSED,
  [ErrorCodes.LOT_FULL]: ExitCodes.REFUSED,
  [ErrorCodes.NOT_INSIDE]: ExitCodes.REFUSED,
  [ErrorCodes.INVALID_CONFIG]: ExitCodes.USAGE,
  [ErrorCodes.BAD_REQUEST]: ExitCodes.USAGE,
  // A script reused a key: the command line (its --request-id) is what needs fixing.
  [ErrorCodes.IDEMPOTENCY_KEY_REUSED]: ExitCodes.USAGE,
  // Only an oversized plate can trigger it from the CLI: the input is what needs fixing.
  [ErrorCodes.PAYLOAD_TOO_LARGE]: ExitCodes.USAGE,
  [ErrorCodes.GATE_UNAVAILABLE]: ExitCodes.UNAVAILABLE,
  [ErrorCodes.NODE_STOPPING]: ExitCodes.UNAVAILABLE,
  [ErrorCodes.NODE_UNREACHABLE]: ExitCodes.UNAVAILABLE,
  [ErrorCodes.OUTCOME_UNKNOWN]: ExitCodes.UNAVAILABLE,
  // The next four mean --node points at something that is not a (compatible) parking node, or a
  // client/server mismatch: the command line is fine, the other end is not.
  [ErrorCodes.NOT_FOUND]: ExitCodes.UNAVAILABLE,
  [ErrorCodes.METHOD_NOT_ALLOWED]: ExitCodes.UNAVAILABLE,
  [ErrorCodes.UNSUPPORTED_MEDIA_TYPE]: ExitCodes.UNAVAILABLE,
  [ErrorCodes.PROTOCOL]: ExitCodes.UNAVAILABLE,
  [ErrorCodes.HANDSHAKE]: ExitCodes.UNAVAILABLE,
  [ErrorCodes.INTERNAL]: ExitCodes.UNAVAILABLE,
};

/** The exit code for any thrown value; anything that is not a ParkingError counts as a failure (3). */
export function exitCodeFor(err: unknown): ExitCode {
  if (isParkingError(err)) return EXIT_CODE_BY_ERROR[err.code] ?? ExitCodes.UNAVAILABLE;
  return ExitCodes.UNAVAILABLE;
}

/** Signal exit codes (128 + signal number), used when a second signal cuts a graceful stop short. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Thrown by a command action that has already printed what went wrong and only needs the process
 * to end with `exitCode`. `run()` turns it into the return value; it never reaches the user.
 */
export class CliExit extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.name = 'CliExit';
  }
}
