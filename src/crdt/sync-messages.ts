/**
 * The SYNC message of the peer protocol: a y-protocols sync message (step 1 = state vector, step 2 =
 * the missing delta, update = a pushed change) behind a small header:
 *
 *   varuint seq    0, or the sequence number of a pushed update or a step 2, which the receiver
 *                  acknowledges (SYNC_ACK) after applying it
 *   varuint flags  bit 0 SYNC_BACK (step 1): "answer my step 1, then send me your own step 1" (a
 *                  full two-way exchange started from one side, used after a backlog was dropped);
 *                  bit 1 RUNS_GATES (step 2): the sender has joined and is not fenced, so it may be
 *                  running gates (a joining or fenced sender runs none and says no SYNCED)
 *   varuint kind   0 step 1, 1 step 2, 2 update (y-protocols' messageYjsSync*)
 *   varbytes data  step 1: the sender's state vector; step 2 and update: a Yjs update (v1 encoding)
 *
 * SYNC_ACK is a single varuint, the `seq` acknowledged (acks are cumulative: it also acknowledges
 * every earlier `seq`).
 *
 * Reading does not use y-protocols' readSyncMessage, which applies updates and swallows their errors
 * with console.error: a peer's bad update must surface as a ProtocolError and close that link. The
 * readers are bounded (binary.ts): a truncated message, trailing bytes, an unknown kind or a state
 * vector that does not decode is a ProtocolError, never another exception.
 */
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { ProtocolError } from '../errors.js';
import { decodeAll, readBytes, readUint } from './binary.js';

export const SyncKind = {
  STEP1: syncProtocol.messageYjsSyncStep1,
  STEP2: syncProtocol.messageYjsSyncStep2,
  UPDATE: syncProtocol.messageYjsUpdate,
} as const;

/** `flags` bit of a step 1: "answer my step 1, then send me your own step 1". */
export const SYNC_BACK = 1;
/** `flags` bit of a step 2: the sender has joined and is not fenced (it may run gates). */
export const RUNS_GATES = 2;

export interface SyncMessage {
  seq: number;
  flags: number;
  kind: number;
  /** Step 1: the sender's state vector. Step 2 / update: a Yjs update. */
  data: Uint8Array;
}

/** Encodes one SYNC message (the inverse of {@link readSyncMessage}). */
export function writeSyncMessage(message: SyncMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, message.seq);
  encoding.writeVarUint(encoder, message.flags);
  encoding.writeVarUint(encoder, message.kind);
  encoding.writeVarUint8Array(encoder, message.data);
  return encoding.toUint8Array(encoder);
}

/** Step 1: our state vector, asking the peer for what we miss. */
export function writeStep1(doc: Y.Doc, flags = 0): Uint8Array {
  return writeSyncMessage({ seq: 0, flags, kind: SyncKind.STEP1, data: Y.encodeStateVector(doc) });
}

/** Step 2: what the peer (whose state vector we got) misses, with our whole delete set; a `seq` above 0 asks for a SYNC_ACK. */
export function writeStep2(doc: Y.Doc, stateVector: Uint8Array, seq = 0, flags = 0): Uint8Array {
  return writeSyncMessage({ seq, flags, kind: SyncKind.STEP2, data: Y.encodeStateAsUpdate(doc, stateVector) });
}

/** A pushed update; a `seq` above 0 asks for a SYNC_ACK. */
export function writeUpdateMessage(update: Uint8Array, seq: number): Uint8Array {
  return writeSyncMessage({ seq, flags: 0, kind: SyncKind.UPDATE, data: update });
}

export function readSyncMessage(payload: Uint8Array): SyncMessage {
  return decodeAll(payload, 'sync message', (decoder) => {
    const seq = readUint(decoder);
    const flags = readUint(decoder);
    const kind = readUint(decoder);
    if (kind !== SyncKind.STEP1 && kind !== SyncKind.STEP2 && kind !== SyncKind.UPDATE)
      throw new ProtocolError(`unknown sync kind ${kind}`);
    const data = readBytes(decoder, readUint(decoder));
    // A state vector is decoded here, so that a bad one is this peer's ProtocolError, not an
    // exception from the step 2 we would build from it.
    if (kind === SyncKind.STEP1) Y.decodeStateVector(data);
    return { seq, flags, kind, data };
  });
}

export function writeAck(seq: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, seq);
  return encoding.toUint8Array(encoder);
}

export function readAck(payload: Uint8Array): number {
  return decodeAll(payload, 'ack', (decoder) => readUint(decoder));
}
