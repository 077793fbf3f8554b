/**
 * Reading a JSON request body without trusting the client: the content type is checked before a
 * byte is read, the size is checked against Content-Length up front and again while streaming (a
 * chunked body has no length), and the body is only decoded once it is complete and small.
 *
 * In fastify's lifecycle the checks that need no body byte run as the route's `preParsing` hook
 * ({@link beforeBody}), and the reading as the one content-type parser ({@link readJsonBody}). Fastify's
 * own parsers are not used: they answer with their own error codes and buffer before they check.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

/** Default cap on a request body: commands are ~50 bytes, so 64 KiB is generous. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Throws ERR_UNSUPPORTED_MEDIA_TYPE unless `header` is `application/json`, optionally with a UTF-8
 * charset. Other charsets are refused rather than mis-decoded: the body is always read as UTF-8.
 */
export function assertJsonContentType(header: string | undefined): void {
  if (header === undefined) throw new UnsupportedMediaTypeError(undefined);
  const [type = '', ...params] = header.split(';');
  if (type.trim().toLowerCase() !== 'application/json') throw new UnsupportedMediaTypeError(header);
  for (const param of params) {
    const [name = '', value = ''] = param.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedMediaTypeError(header);
  }
}

/**
 * Throws ERR_PAYLOAD_TOO_LARGE when the declared Content-Length is over `limit`, so an oversized
 * body is refused before any of it is read. Node's parser has already rejected malformed lengths.
 */
export function assertDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new PayloadTooLargeError(limit);
}

/**
 * The `preParsing` hook of a route with a JSON body, in the order docs/http-api.md gives: content
 * type (415), then `checkHeaders` (the Idempotency-Key, 400), then the declared length (413). Only
 * when all passed is a client that sent `Expect: 100-continue` invited to upload (the server
 * listens to `checkContinue`, so Node leaves that answer to us): a refused client uploads nothing.
 */
export function beforeBody(limit: number, checkHeaders: (headers: IncomingHttpHeaders) => void) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const req = request.raw;
    assertJsonContentType(req.headers['content-type']);
    checkHeaders(req.headers);
    assertDeclaredLength(req, limit);
    const expect = req.headers.expect;
    if (expect !== undefined && expect.toLowerCase() === '100-continue') reply.raw.writeContinue();
  };
}

/**
 * Streams a body up to `limit` bytes and parses it as JSON.
 *
 * Rejects with ERR_PAYLOAD_TOO_LARGE as soon as the limit is crossed (the rest is discarded, not
 * buffered; the reply then carries `connection: close`), ERR_BAD_REQUEST for an empty body, bytes
 * that are not UTF-8, or malformed JSON.
 */
export async function readJsonBody(body: Readable, limit: number): Promise<unknown> {
  return parseJson(await readLimited(body, limit));
}

function readLimited(body: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onAbort);
      body.off('close', onAbort);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        // Keep the stream flowing into the void: pausing would stall the client's upload on TCP
        // back-pressure instead of letting it read our 413.
        body.resume();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onAbort = (): void => {
      cleanup();
      reject(new BadRequestError('request body ended before it was complete'));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onAbort);
    body.on('close', onAbort);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and parses a complete body; every failure is a 400 naming what was wrong. */
export function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BadRequestError('request body is not valid UTF-8');
  }
  if (text.trim() === '') throw new BadRequestError('request body is empty: expected a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BadRequestError(`malformed JSON: ${(err as Error).message}`);
  }
}
