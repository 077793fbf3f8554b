/**
 * What a route answers, as data, and how it goes on the wire. Handlers return a {@link Reply}
 * instead of writing to the response, so every answer (success, refusal or crash) passes through
 * one writer that sets the headers, and no handler can leave a response half written.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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
 * runs inside the handler's try: such a bug becomes a 500, not an unhandled rejection.
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

/**
 * Writes an encoded reply once. When the request body was not read to its end (refused early,
 * e.g. 413 or 415), the connection is closed after the answer: the unread rest makes it unusable
 * for keep-alive, and draining an unbounded body is what the limit exists to avoid.
 */
export function writeReply(req: IncomingMessage, res: ServerResponse, reply: EncodedReply): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.setHeader('content-length', reply.payload.length);
  res.setHeader('cache-control', 'no-store');
  if (!req.complete) res.setHeader('connection', 'close');
  res.end(reply.payload);
}
