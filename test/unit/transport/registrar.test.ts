import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { Registrar } from '../../../src/transport/registrar.js';
import type { PeerLink } from '../../../src/transport/types.js';

function link(name = 'b'): PeerLink & { closedWith?: string } {
  const l = Object.assign(new EventEmitter(), {
    id: name,
    remote: { cluster: 'c', name, incarnation: 'i', url: '' },
    direction: 'outbound' as const,
    open: true,
    bufferedAmount: 0,
    stats: {} as PeerLink['stats'],
    ping: () => undefined,
    send: () => true,
    close(reason?: string) {
      l.open = false;
      l.closedWith = reason;
    },
    closedWith: undefined as string | undefined,
  });
  return l;
}

function setup() {
  const errors: string[] = [];
  const registrar = new Registrar({ logger: silentLogger(), onProtocolError: (code, type) => errors.push(`${code} ${type}`) });
  return { registrar, errors };
}

describe('Registrar', () => {
  it('Dispatch_ARegisteredType_ReachesItsHandlerWithLinkAndPayload', () => {
    const { registrar } = setup();
    const seen: Array<[string, number]> = [];
    registrar.handle(0x10, 'test', (l, payload) => seen.push([l.remote.name, payload.length]));
    registrar.dispatch(link(), 0x10, new Uint8Array(3));
    expect(seen).toEqual([['b', 3]]);
  });

  it('Dispatch_AnUnknownType_ClosesTheLinkAsProtocol_AndCountsIt', () => {
    const { registrar, errors } = setup();
    const l = link();
    registrar.dispatch(l, 0x7e, new Uint8Array());
    expect(l.closedWith).toBe('protocol');
    expect(errors).toEqual(['ERR_PROTOCOL 126']);
  });

  it('Dispatch_AHandlerThatThrows_ClosesTheLinkWithTheErrorCode_AndNeverThrows', () => {
    const { registrar, errors } = setup();
    registrar.handle(0x10, 'test', () => {
      throw new ProtocolError('bad bytes');
    });
    registrar.handle(0x11, 'test', () => {
      throw new TypeError('a bug');
    });
    const a = link('a');
    const b = link('b');
    expect(() => registrar.dispatch(a, 0x10, new Uint8Array())).not.toThrow();
    expect(() => registrar.dispatch(b, 0x11, new Uint8Array())).not.toThrow();
    expect([a.closedWith, b.closedWith]).toEqual(['protocol', 'protocol']);
    expect(errors).toEqual(['ERR_PROTOCOL 16', 'ERR_INTERNAL 17']);
  });

  it('Handle_ATypeHasOneOwner_AndTransportTypesCannotBeRegistered', () => {
    const { registrar } = setup();
    registrar.handle(0x10, 'first', () => undefined);
    expect(() => registrar.handle(0x10, 'second', () => undefined)).toThrow(/already registered by first/);
    expect(() => registrar.handle(0x05, 'x', () => undefined)).toThrow(RangeError);
    expect(registrar.types()).toEqual([{ type: 0x10, owner: 'first' }]);
  });

  it('Observers_AreToldInRegistrationOrder_AndWithoutOnLinkReplacedSeeDownThenUp', () => {
    const { registrar } = setup();
    const log: string[] = [];
    registrar.observe({ onLinkUp: (l) => log.push(`1 up ${l.id}`), onLinkDown: (l, r) => log.push(`1 down ${l.id} ${r}`) });
    registrar.observe({ onLinkDown: (l) => log.push(`2 down ${l.id}`), onLinkReplaced: (p, n) => log.push(`2 replaced ${p.id}>${n.id}`) });
    const x = link('x');
    const y = link('y');
    registrar.linkUp(x);
    registrar.linkReplaced(x, y);
    registrar.linkDown(y, 'closed');
    expect(log).toEqual(['1 up x', '1 down x replaced', '1 up y', '2 replaced x>y', '1 down y closed', '2 down y']);
  });
});
