/**
 * Where fastify's own checks meet ours: the validator that turns a zod failure into the API's
 * ERR_BAD_REQUEST (the same message and `details.field` as before fastify), and the mapping of the
 * few errors fastify itself may raise onto the API's codes, so a client never sees a fastify body.
 */
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { BadRequestError, isParkingError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import { badRequestOf } from './schemas.js';

/**
 * Validates a request body against its route's zod schema. Header and query schemas only document:
 * the headers were checked before the body was read (src/api/body.ts, in the documented order; a
 * schema here would run after the body), and `/events` answers its own `types` query.
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  if (httpPart !== 'body') return (data: unknown) => ({ value: data });
  return (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: badRequestOf(result.error) };
  };
};

/**
 * The error to answer with for `err`: a ParkingError as it is; a fastify 4xx as the API's code for
 * that status; anything else unchanged, which the reply turns into a generic 500.
 */
export function fromFramework(err: unknown, request: FastifyRequest, limit: number): unknown {
  if (isParkingError(err) || !(err instanceof Error)) return err;
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return err;
  if (status === 404) return new NotFoundError(request.url);
  if (status === 413) return new PayloadTooLargeError(limit);
  if (status === 415) return new UnsupportedMediaTypeError(request.headers['content-type']);
  return new BadRequestError(err.message);
}
