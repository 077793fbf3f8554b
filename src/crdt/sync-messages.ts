/**
 * The SYNC message of the peer protocol: a y-protocols sync message (step 1 = state vector, step 2 =
 * the missing delta, update = a pushed change) behind a small header:
 *
 *   varuint seq    0, or the sequence number of a pushed update or a step 2, which the receiver
 *                  acknowledges (SYNC_ACK) after applying it
 *   varuint flags  bit 0 SYNC_BACK: "answer my step 1, then send me your own step 1" (a full
 *                  two-way exchange started from one side, used after a backlog was dropped)
 *   ...            the y-protocols message: varuint kind (0 step 1, 1 step 2, 2 update), then bytes
 *
 * Reading does not use y-protocols' readSyncMessage, which applies updates and swallows their errors
 * with console.error: a peer's bad update must surface as a ProtocolError and close that link.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import { ProtocolError } from '../errors.js';

export const SyncKind = {
  STEP1: syncProtocol.messageYjsSyncStep1,
  STEP2: syncProtocol.messageYjsSyncStep2,
  UPDATE: syncProtocol.messageYjsUpdate,
} as const;

export const SYNC_BACK = 1;

export interface SyncMessage {
  seq: number;
  flags: number;
  kind: number;
  /** Step 1: the sender's state vector. Step 2 / update: a Yjs update. */
  data: Uint8Array;
}

function header(seq: number, flags: number): encoding.Encoder {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, seq);
  encoding.writeVarUint(encoder, flags);
  return encoder;
}

/** Step 1: our state vector, asking the peer for what we miss. */
export function writeStep1(doc: Y.Doc, flags = 0): Uint8Array {
  const encoder = header(0, flags);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

/** Step 2: what the peer (whose state vector we got) misses, with our whole delete set; a `seq` above 0 asks for a SYNC_ACK. */
export function writeStep2(doc: Y.Doc, stateVector: Uint8Array, seq = 0): Uint8Array {
  const encoder = header(seq, 0);
  syncProtocol.writeSyncStep2(encoder, doc, stateVector);
  return encoding.toUint8Array(encoder);
}

/** A pushed update; a `seq` above 0 asks for a SYNC_ACK. */
export function writeUpdateMessage(update: Uint8Array, seq: number): Uint8Array {
  const encoder = header(seq, 0);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function readSyncMessage(payload: Uint8Array): SyncMessage {
  try {
    const decoder = decoding.createDecoder(payload);
    const seq = decoding.readVarUint(decoder);
    const flags = decoding.readVarUint(decoder);
    const kind = decoding.readVarUint(decoder);
    if (kind !== SyncKind.STEP1 && kind !== SyncKind.STEP2 && kind !== SyncKind.UPDATE) throw new ProtocolError(`unknown sync kind ${kind}`);
    const data = decoding.readVarUint8Array(decoder);
    if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes after a sync message');
    return { seq, flags, kind, data };
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError(`malformed sync message: ${(err as Error).message}`);
  }
}

export function writeAck(seq: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, seq);
  return encoding.toUint8Array(encoder);
}

export function readAck(payload: Uint8Array): number {
  try {
    const decoder = decoding.createDecoder(payload);
    const seq = decoding.readVarUint(decoder);
    if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes after an ack');
    return seq;
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError(`malformed ack: ${(err as Error).message}`);
  }
}
