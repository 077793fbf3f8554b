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
import { ProtocolError } from '../errors.js';
import { decodeAll, readString, readUint } from './binary.js';

/**
 * A visit, decoded. `req` is the request tag of the entry (idempotent retries): its 8 bytes as an
 * 8-character string, one character per byte (cheap to build from bytes and to key a map by).
 */
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
 * What a visit stores of its entry's request id: 64 bits of its SHA-256 (8 bytes in the document, an
 * 8-character string in memory), instead of the id itself (a client's UUID is 36 characters). A
 * collision needs two requests for the same plate with equal tags: 2^-64.
 */
export function requestTag(req: string): string {
  // A command asks twice in a row (is it known? then record it): the second hash is the first one.
  if (req === lastRequest) return lastTag;
  lastTag = createHash('sha256').update(req).digest().toString('latin1', 0, TAG_BYTES);
  lastRequest = req;
  return lastTag;
}

let lastRequest: string | undefined;
let lastTag = '';

function checkInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`a visit's ${what} must be a non-negative integer, not ${value}`);
}

/** A request tag: 8 characters, each a byte. */
function isTag(value: string): boolean {
  if (value.length !== TAG_BYTES) return false;
  for (let i = 0; i < TAG_BYTES; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

const utf8 = new TextEncoder();

function varUintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest > 0x7f; rest = Math.floor(rest / 128)) size++;
  return size;
}

/** lib0's writeVarUint, into an array of known size; returns the next position. */
function putVarUint(bytes: Uint8Array, at: number, value: number): number {
  let pos = at;
  let rest = value;
  for (; rest > 0x7f; rest = Math.floor(rest / 128)) bytes[pos++] = 0x80 | (rest & 0x7f);
  bytes[pos++] = rest;
  return pos;
}

/** Writes `value`, whose UTF-8 takes `length` bytes; returns the next position. */
function putString(bytes: Uint8Array, at: number, value: string, length: number): number {
  if (length !== value.length) return at + utf8.encodeInto(value, bytes.subarray(at)).written;
  for (let i = 0; i < length; i++) bytes[at + i] = value.charCodeAt(i); // ASCII: one byte a character
  return at + length;
}

/**
 * The stored bytes of a visit. Throws RangeError for a record that cannot be stored (a bug). Written
 * into one array of the exact size (what lib0's Encoder would write, without its growing buffer and
 * final copy: this runs for every entry, on the gate's hot path).
 */
export function encodeVisit(record: VisitRecord): Uint8Array {
  checkInteger(record.gate, 'gate');
  checkInteger(record.enteredAt, 'enteredAt');
  if (record.req !== undefined && !isTag(record.req)) throw new RangeError(`a visit's req must be a request tag, not ${record.req}`);
  const plate = Buffer.byteLength(record.plate);
  const node = Buffer.byteLength(record.node);
  const size = varUintSize(plate) + plate + varUintSize(record.gate) + varUintSize(record.enteredAt) + varUintSize(node) + node;
  // A plain Uint8Array (not a Buffer): Yjs stores only a Uint8Array as binary content.
  const bytes = new Uint8Array(size + (record.req === undefined ? 0 : TAG_BYTES));
  let pos = putVarUint(bytes, 0, plate);
  pos = putString(bytes, pos, record.plate, plate);
  pos = putVarUint(bytes, pos, record.gate);
  pos = putVarUint(bytes, pos, record.enteredAt);
  pos = putVarUint(bytes, pos, node);
  pos = putString(bytes, pos, record.node, node);
  if (record.req !== undefined) for (let i = 0; i < TAG_BYTES; i++) bytes[pos + i] = record.req.charCodeAt(i);
  return bytes;
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
      const { arr, pos } = decoder;
      if (arr.length - pos !== TAG_BYTES) throw new ProtocolError('a visit ends in a partial tag');
      decoder.pos += TAG_BYTES;
      let req = '';
      for (let i = pos; i < pos + TAG_BYTES; i++) req += String.fromCharCode(arr[i]!);
      return { plate, gate, enteredAt, node, req };
    });
  } catch {
    return undefined;
  }
}
