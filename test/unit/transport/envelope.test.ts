import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, ProtocolError } from '../../../src/errors.js';
import {
  decodeEnvelope,
  decodeJson,
  encodeEnvelope,
  encodeJson,
  isApplicationType,
  messageTypeName,
  TransportMessageType,
  PROTOCOL_VERSION,
} from '../../../src/transport/envelope.js';

/** Application types are opaque to the transport: any number from 0x10 up. */
const APP_TYPE_A = 0x10;
const APP_TYPE_B = 0x40;

/** Every transport type, and application types the transport passes through untouched. */
const types = [...Object.values(TransportMessageType), APP_TYPE_A, APP_TYPE_B, 0xff];

describe('envelope', () => {
  it('puts the version in byte 0, the type in byte 1 and the payload after', () => {
    const frame = encodeEnvelope(APP_TYPE_A, new Uint8Array([7, 8, 9]));
    expect([...frame]).toEqual([PROTOCOL_VERSION, 0x10, 7, 8, 9]);
  });

  it('round-trips every type with any payload', () => {
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 512 }), (type, payload) => {
        const { type: t, payload: p } = decodeEnvelope(encodeEnvelope(type, payload));
        expect(t).toBe(type);
        expect([...p]).toEqual([...payload]);
      }),
    );
  });

  it('decodes an empty payload', () => {
    expect(decodeEnvelope(encodeEnvelope(TransportMessageType.PING, new Uint8Array())).payload.length).toBe(0);
  });

  it.each([
    ['an empty frame', new Uint8Array([]), /shorter/],
    ['a one-byte frame', new Uint8Array([1]), /shorter/],
    ['another version', new Uint8Array([1, 0x10]), /version 1/],
    ['version 0', new Uint8Array([0, 0x10, 1]), /version 0/],
    ['an unknown transport type', new Uint8Array([2, 0x0f]), /unknown message type 0x0f/],
    ['type 0', new Uint8Array([2, 0x00]), /unknown message type 0x00/],
  ])('rejects %s with ProtocolError', (_name, frame, message) => {
    let caught: unknown;
    try {
      decodeEnvelope(frame);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect((caught as ProtocolError).code).toBe(ErrorCodes.PROTOCOL);
    expect((caught as Error).message).toMatch(message);
  });

  it('never throws anything but ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeEnvelope(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
    );
  });

  it('marks types from 0x10 up as application types, which it knows no names of', () => {
    expect(types.filter(isApplicationType).sort((x, y) => x - y)).toEqual([APP_TYPE_A, APP_TYPE_B, 0xff]);
    expect(isApplicationType(TransportMessageType.PING)).toBe(false);
    expect(messageTypeName(TransportMessageType.PONG)).toBe('PONG');
    expect(messageTypeName(APP_TYPE_B)).toBe('0x40');
  });
});

describe('JSON payloads', () => {
  it('round-trip plain objects', () => {
    expect(decodeJson(encodeJson({ a: 1, b: ['x'] }))).toEqual({ a: 1, b: ['x'] });
  });

  it('reject bad JSON and invalid UTF-8 with ProtocolError', () => {
    expect(() => decodeJson(new TextEncoder().encode('{nope'))).toThrow(ProtocolError);
    expect(() => decodeJson(new Uint8Array([0x22, 0xff, 0x22]))).toThrow(ProtocolError);
    expect(() => decodeJson(new Uint8Array())).toThrow(ProtocolError);
  });
});
