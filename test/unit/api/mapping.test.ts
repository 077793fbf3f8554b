import { describe, expect, it } from 'vitest';
import { assertJsonContentType } from '../../../src/api/body.js';
import { errorReply } from '../../../src/api/reply.js';
import { parseCommandBody, parseIdempotencyKey } from '../../../src/api/schemas.js';
import { statusForCode } from '../../../src/api/status-codes.js';
import { ErrorCodes, ParkingError, type ErrorCode } from '../../../src/errors.js';

describe('status codes', () => {
  it.each<[ErrorCode, number]>([
    ['ERR_BAD_REQUEST', 400],
    ['ERR_INVALID_PLATE', 400],
    ['ERR_UNKNOWN_GATE', 400],
    ['ERR_NOT_FOUND', 404],
    ['ERR_METHOD_NOT_ALLOWED', 405],
    ['ERR_ALREADY_INSIDE', 409],
    ['ERR_LOT_FULL', 409],
    ['ERR_NOT_INSIDE', 409],
    ['ERR_PAYLOAD_TOO_LARGE', 413],
    ['ERR_UNSUPPORTED_MEDIA_TYPE', 415],
    ['ERR_GATE_UNAVAILABLE', 503],
    ['ERR_NODE_STOPPING', 503],
    ['ERR_NODE_UNREACHABLE', 503],
    ['ERR_INTERNAL', 500],
    ['ERR_PROTOCOL', 500],
    ['ERR_HANDSHAKE', 500],
    ['ERR_INVALID_CONFIG', 500],
  ])('%s is HTTP %i', (code, status) => {
    expect(statusForCode(code)).toBe(status);
  });

  it('every known code has a status', () => {
    for (const code of Object.values(ErrorCodes)) expect(statusForCode(code)).toBeGreaterThanOrEqual(400);
  });

  it('a 500 reply never carries the original message or details', () => {
    const reply = errorReply(new ParkingError(ErrorCodes.HANDSHAKE, 'cookie abc123 mismatch', { cookie: 'abc123' }));
    expect(JSON.stringify(reply)).not.toContain('abc123');
  });
});

describe('request schemas', () => {
  it('accept a plate and an integer gate, and nothing else', () => {
    expect(parseCommandBody({ plate: 'x', gate: -3 })).toEqual({ plate: 'x', gate: -3 });
  });

  it('report the first problem and its field', () => {
    expect(() => parseCommandBody({ plate: 1, gate: 'x' })).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_REQUEST', details: { field: 'plate' } }),
    );
  });

  it('treat an absent Idempotency-Key as none, and an empty one as invalid', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(() => parseIdempotencyKey('')).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
    expect(() => parseIdempotencyKey('tab\there')).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
  });
});

describe('content type', () => {
  it.each(['application/json', 'application/json;charset=utf-8', 'APPLICATION/JSON ; charset=UTF8'])('accepts %j', (type) => {
    expect(() => assertJsonContentType(type)).not.toThrow();
  });

  it.each([undefined, '', 'text/plain', 'application/jsonx', 'application/json; charset=utf-16', 'multipart/form-data'])(
    'refuses %j with 415',
    (type) => {
      expect(() => assertJsonContentType(type)).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_MEDIA_TYPE' }));
    },
  );
});
