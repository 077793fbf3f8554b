/**
 * What an exit leaves behind in the document, so that a command is applied once in the whole cluster
 * even after the visit it made or removed is gone. An exit deletes the visits it removes; Yjs then
 * drops their content, and a replica that receives the entry and the exit together (a node back from
 * a pause, a newcomer) never learns the entry's request tag. A request replayed to such a replica (one
 * that sat in a paused node's socket, or a client's retry that reaches a new owner) would be applied
 * again: a second visit for one entry, or an exit that removes a car that entered since.
 *
 * So the exit's transaction also appends one record to the root array `x` (the exit log):
 *
 *   8 bytes   tag        the exit's request tag (visit-codec.ts: requestTag)
 *   varuint   gate       the gate it left by
 *   varuint   exitedAt   ms since the epoch
 *   varuint   count      the visits it removed, then for each:
 *     varstring id       the visit id
 *     varuint   length, then the visit's stored bytes (visit-codec.ts, with its entry's tag)
 *
 * Every replica reads the log into its memory of requests (lot-document.ts): an entry tag found there
 * answers a replayed entry with its car, an exit tag a replayed exit with its first answer. The log is
 * bounded (EXIT_LOG_LIMIT records, the oldest dropped by the writer that passes the limit), like the
 * memory itself; a replay older than that is decided again.
 */
import * as encoding from 'lib0/encoding';
import { ProtocolError } from '../errors.js';
import { decodeAll, readBytes, readString, readUint } from './binary.js';
import { decodeVisit, encodeVisit, TAG_BYTES, type VisitRecord } from './visit-codec.js';

/** Name of the root array of exit records (one letter: see VISITS_KEY). */
export const EXIT_LOG_KEY = 'x';

/**
 * Exit records kept in the document (about 60 bytes each encoded; a retry comes within the command
 * deadline, and a replay from a paused process within its pause): the writer that passes the limit
 * drops the oldest EXIT_LOG_PRUNE at once, so pruning costs one delete per that many exits.
 */
export const EXIT_LOG_LIMIT = 50_000;
export const EXIT_LOG_PRUNE = 5_000;

/** Visits one exit may remove: concurrent entries of one plate are a handful. */
const MAX_REMOVED = 1024;
const MAX_ID_BYTES = 64;
const MAX_VISIT_BYTES = 2048;

export interface ExitRecord {
  /** The exit's request tag. */
  tag: string;
  gate: number;
  exitedAt: number;
  /** The visits it removed, by id. */
  removed: Array<[string, VisitRecord]>;
}

/** An exit record to write, with each removed visit's stored bytes when at hand (not encoded again). */
export interface ExitRecordToWrite extends ExitRecord {
  stored?: ReadonlyMap<string, Uint8Array>;
}

export function encodeExitRecord(record: ExitRecordToWrite): Uint8Array {
  const encoder = encoding.createEncoder();
  for (let i = 0; i < TAG_BYTES; i++) encoding.writeUint8(encoder, record.tag.charCodeAt(i));
  encoding.writeVarUint(encoder, record.gate);
  encoding.writeVarUint(encoder, record.exitedAt);
  encoding.writeVarUint(encoder, record.removed.length);
  for (const [id, visit] of record.removed) {
    encoding.writeVarString(encoder, id);
    encoding.writeVarUint8Array(encoder, record.stored?.get(id) ?? encodeVisit(visit));
  }
  return encoding.toUint8Array(encoder);
}

/** The record behind a stored value, or undefined for anything malformed (a buggy or hostile peer). */
export function decodeExitRecord(value: unknown): ExitRecord | undefined {
  if (!(value instanceof Uint8Array)) return undefined;
  try {
    return decodeAll(value, 'exit record', (decoder) => {
      const tagBytes = readBytes(decoder, TAG_BYTES);
      const tag = String.fromCharCode(...tagBytes);
      const gate = readUint(decoder);
      const exitedAt = readUint(decoder);
      const count = readUint(decoder, MAX_REMOVED, 'removed visits');
      const removed: Array<[string, VisitRecord]> = [];
      for (let i = 0; i < count; i++) {
        const id = readString(decoder, MAX_ID_BYTES, 'visit id');
        const visit = decodeVisit(readBytes(decoder, readUint(decoder, MAX_VISIT_BYTES, 'visit length')));
        if (visit === undefined) throw new ProtocolError('an exit record holds a malformed visit');
        removed.push([id, visit]);
      }
      return { tag, gate, exitedAt, removed };
    });
  } catch {
    return undefined;
  }
}
