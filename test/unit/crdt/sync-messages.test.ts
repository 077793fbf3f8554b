/**
 * SYNC and SYNC_ACK codecs: every message reads back as written, and any other bytes are refused
 * with a ProtocolError (the link is closed), never another exception. fast-check prints the seed and
 * the path to replay a failure.
 */
import fc from 'fast-check';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
  readAck,
  readSyncMessage,
  SYNC_BACK,
  SyncKind,
  writeAck,
  writeStep1,
  writeStep2,
  writeSyncMessage,
  writeUpdateMessage,
} from '../../../src/crdt/sync-messages.js';
import { ProtocolError } from '../../../src/errors.js';

function onlyProtocolErrors(read: () => unknown): void {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
  }
}

describe('sync messages', () => {
  it('read back as written', () => {
    const messageArb = fc.record({
      seq: fc.maxSafeNat(),
      flags: fc.nat(),
      kind: fc.constantFrom(SyncKind.STEP2, SyncKind.UPDATE),
      data: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(messageArb, (message) => {
        expect(readSyncMessage(writeSyncMessage(message))).toEqual(message);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.maxSafeNat(), (seq) => {
        expect(readAck(writeAck(seq))).toBe(seq);
      }),
    );
  });

  it('frame step 1, step 2 and pushed updates as y-protocols does, behind seq and flags', () => {
    const doc = new Y.Doc();
    doc.getMap('v').set('k', 1);
    const sv = Y.encodeStateVector(doc);
    expect(readSyncMessage(writeStep1(doc, SYNC_BACK))).toEqual({ seq: 0, flags: SYNC_BACK, kind: SyncKind.STEP1, data: sv });
    expect(readSyncMessage(writeStep2(doc, new Uint8Array([0]), 7))).toMatchObject({ seq: 7, flags: 0, kind: SyncKind.STEP2 });
    const update = Y.encodeStateAsUpdate(doc);
    const pushed = writeUpdateMessage(update, 300);
    expect(pushed.byteLength).toBe(update.byteLength + 5); // varuint 300 (2 bytes), flags, kind, length
    expect(readSyncMessage(pushed).data).toEqual(update);
  });

  it('refuse unknown kinds, truncated messages, trailing bytes and bad state vectors with a ProtocolError', () => {
    expect(() => readSyncMessage(Uint8Array.of(0, 0, 3, 0))).toThrow(ProtocolError);
    expect(() => readSyncMessage(Uint8Array.of(0x80))).toThrow(ProtocolError);
    expect(() => readSyncMessage(Uint8Array.of(1, 0, SyncKind.UPDATE, 5, 1, 2))).toThrow(ProtocolError);
    expect(() => readSyncMessage(Uint8Array.of(1, 0, SyncKind.UPDATE, 1, 1, 2))).toThrow(ProtocolError);
    expect(() => readSyncMessage(Uint8Array.of(0, 0, SyncKind.STEP1, 2, 5, 1))).toThrow(ProtocolError);
    expect(() => readAck(Uint8Array.of(1, 2))).toThrow(ProtocolError);
    expect(() => readAck(new Uint8Array(0))).toThrow(ProtocolError);
  });

  it('throw nothing but a ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        onlyProtocolErrors(() => readSyncMessage(bytes));
        onlyProtocolErrors(() => readAck(bytes));
      }),
      { numRuns: 3000 },
    );
  });
});
