/**
 * The envelope of every peer frame. Binary WebSocket frames only:
 *
 *   byte 0: protocol version ({@link PROTOCOL_VERSION})
 *   byte 1: message type
 *   rest:   payload
 *
 * Types below 0x10 are the transport's own ({@link TransportMessageType}: the handshake and the
 * heartbeat); types from 0x10 up are application types, which the transport hands to the registrar
 * (src/transport/registrar.ts) untouched: the components that speak them register them there, and
 * the transport knows none of their names.
 */
import { ProtocolError } from '../errors.js';

/**
 * The version byte of every frame. A peer with another version is refused with 'bad-version'.
 * Version 2: the heartbeat became the transport's own (PING/PONG below 0x10).
 */
export const PROTOCOL_VERSION = 2;

/** The transport's own message types: the handshake (see handshake.ts) and the heartbeat. */
export const TransportMessageType = {
  HELLO: 0x01,
  AUTH: 0x02,
  WELCOME: 0x03,
  REFUSE: 0x04,
  /** Heartbeat: answered with PONG by the link itself; any frame received is a sign of life. */
  PING: 0x05,
  PONG: 0x06,
} as const;

/** The first application type: everything from here up is passed to the registrar. */
export const FIRST_APPLICATION_TYPE = 0x10;

const HANDSHAKE_TYPES = new Set<number>([
  TransportMessageType.HELLO,
  TransportMessageType.AUTH,
  TransportMessageType.WELCOME,
  TransportMessageType.REFUSE,
]);
const TYPE_NAMES = new Map<number, string>(Object.entries(TransportMessageType).map(([name, value]) => [value, name]));

/** The size of the envelope header in bytes. */
export const HEADER_BYTES = 2;

/** True for a type of the upper layers (>= 0x10); whether anyone speaks it is the registrar's call. */
export function isApplicationType(type: number): boolean {
  return type >= FIRST_APPLICATION_TYPE && type <= 0xff;
}

/** True for a handshake type (HELLO, AUTH, WELCOME, REFUSE). */
export function isHandshakeType(type: number): boolean {
  return HANDSHAKE_TYPES.has(type);
}

/** The name of a transport type (`'PING'`), or its hex (`'0x7f'`) otherwise; for logs. */
export function messageTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `0x${type.toString(16).padStart(2, '0')}`;
}

/** A decoded frame. `payload` is a view into the frame, not a copy. */
export interface Envelope {
  type: number;
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

/** Reads one frame. Throws ProtocolError on a short frame, another version or an unknown transport type. */
export function decodeEnvelope(data: Uint8Array): Envelope {
  if (data.length < HEADER_BYTES) throw new ProtocolError(`frame of ${data.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const version = data[0] as number;
  if (version !== PROTOCOL_VERSION) throw new ProtocolError(`protocol version ${version} is not ${PROTOCOL_VERSION}`);
  const type = data[1] as number;
  if (type < FIRST_APPLICATION_TYPE && !TYPE_NAMES.has(type)) throw new ProtocolError(`unknown message type ${messageTypeName(type)}`);
  return { type, payload: data.subarray(HEADER_BYTES) };
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
