/**
 * Reading a JSON request body without trusting the client: the content type is checked before a
 * byte is read, the size is checked against Content-Length up front and again while streaming (a
 * chunked body has no length), and the body is only decoded once it is complete and small.
 */
import type { IncomingMessage } from 'node:http';
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
 * Streams the body of `req` up to `limit` bytes and parses it as JSON.
 *
 * Rejects with ERR_PAYLOAD_TOO_LARGE as soon as the limit is crossed (the rest is discarded, not
 * buffered; the caller answers with `connection: close`), ERR_BAD_REQUEST for an empty body, bytes
 * that are not UTF-8, or malformed JSON.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  assertJsonContentType(req.headers['content-type']);
  assertDeclaredLength(req, limit);
  return readLimited(req, limit).then(parseJson);
}

function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        // Keep the stream flowing into the void: pausing would stall the client's upload on TCP
        // back-pressure instead of letting it read our 413.
        req.resume();
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
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
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
