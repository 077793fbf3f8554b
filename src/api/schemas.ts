/**
 * The shapes of request bodies and headers, checked before the api is called so that a bad request
 * never reaches the node. Only the raw shape is checked here: plate normalization and the
 * ERR_INVALID_PLATE / ERR_UNKNOWN_GATE rules belong to the lot, which has the config.
 *
 * The same zod schemas are the routes' fastify schemas (src/api/routes.ts), so what the server
 * checks and what `GET /openapi.json` documents cannot drift apart.
 */
import { z } from 'zod';
import { BadRequestError } from '../errors.js';

/** Longest plate accepted on the wire, before normalization. */
export const MAX_PLATE_CHARS = 64;
/** Longest Idempotency-Key accepted. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 128;

const required = (field: string, expected: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `${field} is required` : `${field} must be ${expected}`;

/** Body of `POST /entries` and `POST /exits`. Unknown keys are refused so typos do not pass silently. */
export const CommandBodySchema = z
  .strictObject(
    {
      plate: z
        .string({ error: required('plate', 'a string') })
        // An empty plate is the lot's to refuse (ERR_INVALID_PLATE), like any other bad plate.
        .max(MAX_PLATE_CHARS, { error: `plate must be at most ${MAX_PLATE_CHARS} characters` })
        .describe('the plate as typed; the lot normalizes it (upper case, single spaces)'),
      gate: z
        .number({ error: required('gate', 'an integer') })
        .int({ error: 'gate must be an integer' })
        .describe('the gate the car passes, 1..gates'),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field ${(issue.keys ?? []).map((k) => JSON.stringify(k)).join(', ')}: expected only plate and gate`
          : 'request body must be a JSON object with plate and gate',
    },
  )
  .meta({ id: 'CommandBody' });

/** A validated command body. */
export type CommandBody = z.infer<typeof CommandBodySchema>;

/**
 * The first problem of a failed parse as ERR_BAD_REQUEST: its message, and `details.field` naming
 * the field (absent when the value as a whole is wrong).
 */
export function badRequestOf(error: z.ZodError): BadRequestError {
  const issue = error.issues[0];
  if (issue === undefined) return new BadRequestError('invalid request');
  const field = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path[0];
  return new BadRequestError(issue.message, field === undefined ? undefined : { field: String(field) });
}

/** Validates a parsed JSON body; throws ERR_BAD_REQUEST as {@link badRequestOf} describes. */
export function parseCommandBody(body: unknown): CommandBody {
  const result = CommandBodySchema.safeParse(body);
  if (result.success) return result.data;
  throw badRequestOf(result.error);
}

/** Printable ASCII only: the key is logged and echoed, and must survive every proxy unchanged. */
const IDEMPOTENCY_KEY = new RegExp(`^[\\x20-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_CHARS}}$`);

/** The `Idempotency-Key` header: 1..128 printable ASCII characters. */
export const IdempotencyKeySchema = z
  .string()
  .regex(IDEMPOTENCY_KEY)
  .describe('1 to 128 printable ASCII characters; a retry with the same key is answered from the first result');

/**
 * The headers of a command route, as documented. Loose: every other header passes. The server
 * checks the key itself before the body is read (src/api/body.ts), with {@link parseIdempotencyKey}.
 */
export const CommandHeadersSchema = z.looseObject({ 'idempotency-key': IdempotencyKeySchema.optional() });

/**
 * Validates the optional `Idempotency-Key` header: undefined when absent, else 1..128 printable
 * ASCII characters or ERR_BAD_REQUEST.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IdempotencyKeySchema.safeParse(header).success) {
    throw new BadRequestError(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters`, {
      field: 'Idempotency-Key',
    });
  }
  return header;
}
