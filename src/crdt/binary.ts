/**
 * Bounded readers over lib0's decoding, for bytes that come from peers. lib0's own readers trust
 * their input: `readUint8` past the end returns `undefined`, `readUint8Array(n)` silently returns
 * fewer than `n` bytes, and `readVarString` turns invalid UTF-8 into U+FFFD. The readers here never
 * read past the end, refuse a field longer than its limit, refuse invalid UTF-8, and {@link decodeAll}
 * refuses trailing bytes; every failure is a ProtocolError, never another exception type.
 *
 * Writers are lib0's own (`writeVarUint`, `writeVarString`, `writeUint8`): what they write, these
 * read back unchanged (for strings: any string without unpaired surrogates, which UTF-8 cannot hold).
 */
import * as decoding from 'lib0/decoding';
import { ProtocolError } from '../errors.js';

export type Decoder = decoding.Decoder;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One byte. */
export function readByte(decoder: Decoder): number {
  if (decoder.pos >= decoder.arr.length) throw new ProtocolError('unexpected end of message');
  return decoding.readUint8(decoder);
}

/** A varuint no greater than `max` (default: the largest safe integer). */
export function readUint(decoder: Decoder, max = Number.MAX_SAFE_INTEGER, what = 'integer'): number {
  const value = decoding.readVarUint(decoder);
  if (value > max) throw new ProtocolError(`${what} ${value} is over ${max}`);
  return value;
}

/** Exactly `length` bytes (a view into the message). */
export function readBytes(decoder: Decoder, length: number): Uint8Array {
  if (length > decoder.arr.length - decoder.pos) throw new ProtocolError('unexpected end of message');
  return decoding.readUint8Array(decoder, length);
}

/** A var string of at most `maxBytes` UTF-8 bytes. */
export function readString(decoder: Decoder, maxBytes: number, what = 'string'): string {
  const length = readUint(decoder, maxBytes, `${what} length`);
  if (length > decoder.arr.length - decoder.pos) throw new ProtocolError('unexpected end of message');
  const { arr } = decoder;
  const start = decoder.pos;
  // Plates, node names and ids are short ASCII: read them without a TextDecoder call and a view.
  if (length <= 64) {
    let ascii = '';
    for (let i = start; i < start + length; i++) {
      const byte = arr[i]!;
      if (byte >= 0x80) {
        ascii = '';
        break;
      }
      ascii += String.fromCharCode(byte);
    }
    if (ascii.length === length) {
      decoder.pos += length;
      return ascii;
    }
  }
  try {
    return utf8.decode(readBytes(decoder, length));
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError(`${what} is not UTF-8`);
  }
}

/** Every byte left in the message. */
export function readRest(decoder: Decoder): Uint8Array {
  return decoding.readTailAsUint8Array(decoder);
}

/**
 * Runs `read` over the whole of `bytes`: trailing bytes, and any exception `read` throws (lib0's
 * "unexpected end of array", "integer out of range"), become a ProtocolError naming `what`.
 */
export function decodeAll<T>(bytes: Uint8Array, what: string, read: (decoder: Decoder) => T): T {
  try {
    const decoder = decoding.createDecoder(bytes);
    const value = read(decoder);
    if (decoding.hasContent(decoder)) throw new ProtocolError(`trailing bytes after ${what}`);
    return value;
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError(`malformed ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
