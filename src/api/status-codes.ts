/**
 * The one place where error codes become HTTP statuses (see src/errors.ts: only the HTTP layer maps
 * codes to statuses). A code missing here is a bug that shows up as 500, never as a crash.
 */
import { ErrorCodes, type ErrorCode } from '../errors.js';

/** HTTP status for each error code the API can answer with. */
export const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  // The request itself is wrong: fix it before retrying.
  [ErrorCodes.BAD_REQUEST]: 400,
  [ErrorCodes.INVALID_PLATE]: 400,
  [ErrorCodes.UNKNOWN_GATE]: 400,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.METHOD_NOT_ALLOWED]: 405,
  // Well-formed, but the lot's state refuses it: retrying unchanged gives the same answer.
  [ErrorCodes.ALREADY_INSIDE]: 409,
  [ErrorCodes.LOT_FULL]: 409,
  [ErrorCodes.NOT_INSIDE]: 409,
  // The key names another command: a new key is needed, retrying unchanged gives the same answer.
  [ErrorCodes.IDEMPOTENCY_KEY_REUSED]: 422,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCodes.UNSUPPORTED_MEDIA_TYPE]: 415,
  // Transient: the same request may succeed later or on another node.
  [ErrorCodes.GATE_UNAVAILABLE]: 503,
  [ErrorCodes.NODE_STOPPING]: 503,
  [ErrorCodes.NODE_UNREACHABLE]: 503,
  [ErrorCodes.OUTCOME_UNKNOWN]: 503,
};

/** The HTTP status for `code`; 500 for codes that have no client-facing meaning. */
export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}
