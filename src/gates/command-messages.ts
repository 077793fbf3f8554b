/**
 * COMMAND and RESULT: how a node asks the node running a gate to execute a command, and the answer.
 * JSON payloads (small, rare next to sync traffic, easy to read in a capture).
 *
 *   COMMAND { id, op: 'entry'|'exit', plate, gate, requestId, observed? }   (observed: see GateCommand)
 *   RESULT  { id, ok: true, value } | { id, ok: false, error: { code, message, details? } }
 *           | { id, ok: false, retry: reason }   the gate does not run there (any more): try again
 *
 * `id` names one forwarding attempt; `requestId` names the client's command across attempts.
 */
import { ProtocolError, type WireError } from '../errors.js';
import { decodeJson, encodeJson } from '../transport/envelope.js';
import type { CommandResult, GateCommand } from './gate-service.js';

export interface CommandMessage extends GateCommand {
  id: string;
}

export type ResultMessage =
  | { id: string; ok: true; value: CommandResult }
  | { id: string; ok: false; error: WireError }
  | { id: string; ok: false; retry: string };

export function encodeCommand(message: CommandMessage): Uint8Array {
  return encodeJson(message);
}

export function decodeCommand(payload: Uint8Array): CommandMessage {
  const m = decodeJson(payload) as Partial<CommandMessage> | null;
  if (
    m === null || typeof m !== 'object' ||
    typeof m.id !== 'string' || (m.op !== 'entry' && m.op !== 'exit') ||
    typeof m.plate !== 'string' || typeof m.gate !== 'number' || typeof m.requestId !== 'string'
  ) {
    throw new ProtocolError('malformed COMMAND');
  }
  if (m.observed !== undefined && (!Array.isArray(m.observed) || m.observed.length > 1024 || !m.observed.every((v) => typeof v === 'string'))) {
    throw new ProtocolError('malformed COMMAND');
  }
  return { id: m.id, op: m.op, plate: m.plate, gate: m.gate, requestId: m.requestId, ...(m.observed === undefined ? {} : { observed: m.observed }) };
}

export function encodeResult(message: ResultMessage): Uint8Array {
  return encodeJson(message);
}

export function decodeResult(payload: Uint8Array): ResultMessage {
  const m = decodeJson(payload) as Record<string, unknown> | null;
  if (m === null || typeof m !== 'object' || typeof m.id !== 'string' || typeof m.ok !== 'boolean') throw new ProtocolError('malformed RESULT');
  if (m.ok) return { id: m.id, ok: true, value: m.value as CommandResult };
  if (typeof m.retry === 'string') return { id: m.id, ok: false, retry: m.retry };
  if (typeof m.error === 'object' && m.error !== null) return { id: m.id, ok: false, error: m.error as WireError };
  throw new ProtocolError('malformed RESULT');
}
