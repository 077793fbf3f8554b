/**
 * The envelope of every peer frame. Binary WebSocket frames only:
 *
 *   byte 0: protocol version ({@link PROTOCOL_VERSION})
 *   byte 1: message type ({@link MessageType})
 *   rest:   payload (JSON for control messages, y-protocols bytes for SYNC)
 *
 * Types below 0x10 belong to the transport's handshake; types from 0x10 up are application types
 * that the transport hands to the link's `message` event untouched.
 */
import { ProtocolError } from '../errors.js';

/** The version byte of every frame. A peer with another version is refused with 'bad-version'. */
export const PROTOCOL_VERSION = 1;

/** Every message type on a peer link. See src/transport/README.md for the table. */
export const MessageType = {
  HELLO: 0x01,
  AUTH: 0x02,
  WELCOME: 0x03,
  REFUSE: 0x04,
  SYNC: 0x10,
  SYNC_ACK: 0x11,
  SYNCED: 0x12,
  PING: 0x20,
  PONG: 0x21,
  LEAVE: 0x22,
  COMMAND: 0x30,
  RESULT: 0x31,
  GOSSIP: 0x40,
} as const;

/** One of the values of {@link MessageType}. */
export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

/** The first application type: everything from here up is passed to the upper layers. */
export const FIRST_APPLICATION_TYPE = 0x10;

const KNOWN_TYPES = new Set<number>(Object.values(MessageType));
const TYPE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([name, value]) => [value, name]));

/** The size of the envelope header in bytes. */
export const HEADER_BYTES = 2;

/** True for a known type of the upper layers (>= 0x10). */
export function isApplicationType(type: number): boolean {
  return type >= FIRST_APPLICATION_TYPE && KNOWN_TYPES.has(type);
}

/** The constant name of a type (`'SYNC'`), or its hex (`'0x7f'`) when unknown; for logs. */
export function messageTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}

/** A decoded frame. `payload` is a view into the frame, not a copy. */
export interface Envelope {
  type: MessageTypeValue;
  payload: Uint8Array;
}

/** Builds one frame (copies the payload behind the 2-byte header). */
export function encodeEnvelope(type: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + payload.length);
  frame[0] = PROTOCOL_VERSION;
  frame[1] = type;
  frame.set(payload, HEADER_BYTES);
  return frame;
}

/** Reads one frame. Throws ProtocolError on a short frame, another version or an unknown type. */
export function decodeEnvelope(data: Uint8Array): Envelope {
  if (data.length < HEADER_BYTES) throw new ProtocolError(`frame of ${data.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const version = data[0] as number;
  if (version !== PROTOCOL_VERSION) throw new ProtocolError(`protocol version ${version} is not ${PROTOCOL_VERSION}`);
  const type = data[1] as number;
  if (!KNOWN_TYPES.has(type)) throw new ProtocolError(`unknown message type ${messageTypeName(type)}`);
  return { type: type as MessageTypeValue, payload: data.subarray(HEADER_BYTES) };
}

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is a protocol error, not a string with replacement characters.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON payload of a control message. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses a JSON payload; throws ProtocolError on invalid UTF-8 or JSON. */
export function decodeJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(payload));
  } catch (err) {
    throw new ProtocolError(`payload is not JSON: ${(err as Error).message}`);
  }
}
