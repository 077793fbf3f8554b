import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  judgeService,
  mdnsInstanceName,
  mdnsScope,
  mdnsSocketOptions,
  mdnsTxt,
  type BrowsedService,
} from '../../../src/discovery/mdns-service.js';
import type { SelfInfo } from '../../../src/discovery/types.js';

const self: SelfInfo = {
  cluster: 'lot',
  name: 'a',
  incarnation: '0123456789abcdef',
  host: '127.0.0.1',
  port: 4001,
  url: 'ws://127.0.0.1:4001',
};
const loopback = mdnsScope(undefined);
const lan = mdnsScope('192.0.2.10');

function service(txt: Record<string, string>, from = '127.0.0.1', port = 4002): BrowsedService {
  return { port, txt, referer: { address: from, family: 'IPv4', port: 5353, size: 200 } };
}
const peerTxt = { cluster: 'lot', node: 'b', inc: 'fedcba9876543210', addr: '0.0.0.0:4002' };

describe('mdns scope', () => {
  it('defaults to loopback: multicast on 127.0.0.1, socket bound to the wildcard (or it receives nothing)', () => {
    expect(loopback).toEqual({ kind: 'loopback' });
    expect(mdnsSocketOptions(loopback)).toEqual({ interface: '127.0.0.1', bind: '0.0.0.0' });
    expect(mdnsScope('127.0.0.1')).toEqual({ kind: 'loopback' });
  });

  it('uses the given interface address, still bound to the wildcard', () => {
    expect(mdnsSocketOptions(lan)).toEqual({ interface: '192.0.2.10', bind: '0.0.0.0' });
  });

  it.each([['lo'], ['eth0'], ['::1'], ['192.0.2']])('rejects %j: only an IPv4 address scopes the socket', (value) => {
    expect(() => mdnsScope(value)).toThrow(ConfigError);
    try {
      mdnsScope(value);
    } catch (err) {
      expect((err as ConfigError).field).toBe('mdnsInterface');
    }
  });
});

describe('mdns instance name', () => {
  it('is the node name and the first 8 characters of the incarnation, so restarts never clash', () => {
    expect(mdnsInstanceName(self)).toBe('a-01234567');
  });

  it('has no dots or odd characters and fits one DNS label', () => {
    const name = mdnsInstanceName({ name: `node.${'x'.repeat(100)} é`, incarnation: 'ab.cdefgh' });
    expect(name).toMatch(/^[A-Za-z0-9-]+$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.endsWith('-ab-cdefg')).toBe(true);
  });

  it('publishes cluster, node, incarnation and dial address in TXT', () => {
    expect(mdnsTxt(self)).toEqual({ cluster: 'lot', node: 'a', inc: '0123456789abcdef', addr: '127.0.0.1:4001' });
  });
});

describe('which mdns services are peers', () => {
  it('accepts a peer of our cluster heard on loopback, dialed at the sender address and service port', () => {
    expect(judgeService(service(peerTxt, '127.0.0.1'), self, loopback)).toEqual({
      accept: true,
      peer: { address: '127.0.0.1:4002', name: 'b', incarnation: 'fedcba9876543210' },
    });
  });

  it('ignores a service of another cluster', () => {
    expect(judgeService(service({ ...peerTxt, cluster: 'other' }), self, loopback)).toEqual({ accept: false, reason: 'other cluster' });
    expect(judgeService({ port: 4002, txt: undefined, referer: undefined }, self, loopback)).toMatchObject({ accept: false });
  });

  it('ignores our own service', () => {
    expect(judgeService(service({ ...peerTxt, inc: self.incarnation }), self, loopback)).toEqual({ accept: false, reason: 'ourselves' });
  });

  it('in loopback scope ignores announcements from the LAN', () => {
    expect(judgeService(service(peerTxt, '192.0.2.7'), self, loopback)).toEqual({ accept: false, reason: 'not from loopback' });
  });

  it('in interface scope dials the advertised address, or the sender when it advertises a wildcard', () => {
    expect(judgeService(service({ ...peerTxt, addr: '192.0.2.7:4002' }, '192.0.2.7'), self, lan)).toMatchObject({
      peer: { address: '192.0.2.7:4002' },
    });
    expect(judgeService(service(peerTxt, '192.0.2.8', 4010), self, lan)).toMatchObject({ peer: { address: '192.0.2.8:4010' } });
    expect(judgeService(service({ ...peerTxt, addr: 'garbage' }, '192.0.2.8'), self, lan)).toMatchObject({
      peer: { address: '192.0.2.8:4002' },
    });
  });

  it('ignores a service with an impossible port', () => {
    expect(judgeService(service(peerTxt, '127.0.0.1', 0), self, loopback)).toEqual({ accept: false, reason: 'bad port' });
  });
});
