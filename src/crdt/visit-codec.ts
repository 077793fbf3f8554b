/**
 * How one visit is stored: the value of its key in the visits map is a byte string (a Yjs
 * ContentBinary), written once by the entry and never changed:
 *
 *   varstring plate       normalized, e.g. `ABC 123`
 *   varuint   gate        the entry gate
 *   varuint   enteredAt   ms since the epoch, the clock of the node that recorded it
 *   varstring node        the name of that node
 *   8 bytes   req         optional, present when bytes remain: the entry's request tag (below)
 *
 * Why bytes and not a JSON tuple `[plate, gate, enteredAt, node, req]`: Yjs encodes a tuple with a
 * type tag per field, a timestamp as a 9-byte float64, and the tag as an 11-character string; this
 * layout is 13 bytes smaller per entry, on the wire (every entry is pushed to every peer) and in the
 * document (a live car, and a newcomer's catch-up). An object would be worse still: Yjs would encode
 * its field names in every visit.
 */
import { createHash } from 'node:crypto';
import * as encoding from 'lib0/encoding';
import { decodeAll, readBytes, readString, readUint } from './binary.js';

/** A visit, decoded. `req` is the request tag of the entry (idempotent retries), base64url. */
export interface VisitRecord {
  plate: string;
  gate: number;
  enteredAt: number;
  node: string;
  req?: string;
}

/** Bytes of a request tag. */
export const TAG_BYTES = 8;
/** Longest plate and node name read back (UTF-8 bytes): far above what validation lets in. */
const MAX_PLATE_BYTES = 256;
const MAX_NODE_BYTES = 1024;

/**
 * What a visit stores of its entry's request id: 64 bits of its SHA-256, base64url (11 characters)
 * in memory and 8 raw bytes in the document, instead of the id itself (a client's UUID is 36). A
 * collision needs two requests for the same plate with equal tags: 2^-64.
 */
export function requestTag(req: string): string {
  return createHash('sha256').update(req).digest().subarray(0, TAG_BYTES).toString('base64url');
}

function checkInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`a visit's ${what} must be a non-negative integer, not ${value}`);
}

/** The stored bytes of a visit. Throws RangeError for a record that cannot be stored (a bug). */
export function encodeVisit(record: VisitRecord): Uint8Array {
  checkInteger(record.gate, 'gate');
  checkInteger(record.enteredAt, 'enteredAt');
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, record.plate);
  encoding.writeVarUint(encoder, record.gate);
  encoding.writeVarUint(encoder, record.enteredAt);
  encoding.writeVarString(encoder, record.node);
  if (record.req !== undefined) {
    const tag = Buffer.from(record.req, 'base64url');
    if (tag.byteLength !== TAG_BYTES || tag.toString('base64url') !== record.req)
      throw new RangeError(`a visit's req must be a request tag, not ${record.req}`);
    encoding.writeUint8Array(encoder, tag);
  }
  return encoding.toUint8Array(encoder);
}

/** The record behind a stored value, or undefined for anything malformed (a buggy or hostile peer). */
export function decodeVisit(value: unknown): VisitRecord | undefined {
  if (!(value instanceof Uint8Array)) return undefined;
  try {
    return decodeAll(value, 'visit', (decoder) => {
      const plate = readString(decoder, MAX_PLATE_BYTES, 'plate');
      const gate = readUint(decoder);
      const enteredAt = readUint(decoder);
      const node = readString(decoder, MAX_NODE_BYTES, 'node');
      if (decoder.pos === decoder.arr.length) return { plate, gate, enteredAt, node };
      const req = Buffer.from(readBytes(decoder, TAG_BYTES)).toString('base64url');
      return { plate, gate, enteredAt, node, req };
    });
  } catch {
    return undefined;
  }
}
