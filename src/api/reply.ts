/**
 * What a route answers, as data, and how it goes on the wire. Handlers return a {@link Reply}
 * instead of writing to the response, so every answer (success, refusal or crash) passes through
 * one writer that sets the headers, and no handler can leave a response half written.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, isParkingError, type WireError } from '../errors.js';
import { statusForCode } from './status-codes.js';

/** The content type of every JSON answer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A complete answer: status, extra headers, and either a JSON value or a text body. */
export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> };

/** A JSON reply. */
export function jsonReply(status: number, json: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, json } : { status, json, headers };
}

/** The body of every error answer. */
export interface ErrorBody {
  error: WireError;
}

/** Message of every 500: the real error goes to the log only, so internals never leak. */
export const INTERNAL_MESSAGE = 'internal error; the node logged the details';

/**
 * Turns anything thrown by a handler into a reply. ParkingErrors with a client-facing status keep
 * their code, message and details; everything else becomes a generic 500 ERR_INTERNAL.
 */
export function errorReply(err: unknown, headers?: Record<string, string>): Reply {
  if (isParkingError(err)) {
    const status = statusForCode(err.code);
    if (status !== 500) return jsonReply(status, { error: err.toWire() } satisfies ErrorBody, headers);
  }
  return jsonReply(500, { error: { code: ErrorCodes.INTERNAL, message: INTERNAL_MESSAGE } } satisfies ErrorBody);
}

/** A reply turned into bytes, ready to write. */
export interface EncodedReply {
  status: number;
  headers: Record<string, string>;
  payload: Buffer;
}

/**
 * Serializes `reply`. Throws for a value JSON cannot hold (a BigInt, a cycle), which is why this
 * runs inside the handler: such a bug reaches the error handler and becomes a 500.
 */
export function encodeReply(reply: Reply): EncodedReply {
  const isJson = 'json' in reply;
  const payload = Buffer.from(isJson ? JSON.stringify(reply.json) : reply.text, 'utf8');
  return {
    status: reply.status,
    headers: { ...reply.headers, 'content-type': isJson ? JSON_CONTENT_TYPE : reply.contentType },
    payload,
  };
}

/** The reply to a failure; details JSON cannot hold (a bug in their own right) degrade to a 500. */
export function encodeError(err: unknown, headers?: Record<string, string>): EncodedReply {
  try {
    return encodeReply(errorReply(err, headers));
  } catch {
    return encodeReply(errorReply(undefined));
  }
}

/**
 * Sends an encoded reply: the payload as bytes, so fastify sends it as it is (no serializer runs,
 * and the answer is the node's value exactly as the node returned it). When the request body was
 * not read to its end (refused early, e.g. 413 or 415), the connection is closed after the answer:
 * the unread rest makes it unusable for keep-alive, and draining an unbounded body is what the limit
 * exists to avoid. A body that was read whole keeps the connection open, even when it was refused
 * (fastify asks to close on every parser error).
 */
export function sendEncoded(request: FastifyRequest, reply: FastifyReply, encoded: EncodedReply): FastifyReply {
  reply.code(encoded.status).headers(encoded.headers).header('cache-control', 'no-store');
  if (bodyLeftUnread(request)) reply.header('connection', 'close');
  // Only a header fastify set is removed: removing Node's own would also drop its `Keep-Alive` hint.
  else if (reply.hasHeader('connection')) reply.removeHeader('connection');
  return reply.send(encoded.payload);
}

/**
 * True when the request has a body that was not read to its end. A request without a body counts as
 * read even before Node's parser marks it complete (a 404 is answered before that moment).
 */
function bodyLeftUnread(request: FastifyRequest): boolean {
  const { headers, complete } = request.raw;
  if (complete) return false;
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/** Encodes and sends `answer`; throws (into fastify's error handler) when it cannot be encoded. */
export function sendReply(request: FastifyRequest, reply: FastifyReply, answer: Reply): FastifyReply {
  return sendEncoded(request, reply, encodeReply(answer));
}
