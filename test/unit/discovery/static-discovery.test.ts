import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { ConfigError, ErrorCodes } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { createDiscovery } from '../../../src/discovery/index.js';
import { parseStaticPeers } from '../../../src/discovery/static-discovery.js';
import type { DiscoveredPeer, SelfInfo } from '../../../src/discovery/types.js';
import { thrown } from '../../support/thrown.js';

const self: SelfInfo = { cluster: 'lot', name: 'a', incarnation: 'inc-a', host: '127.0.0.1', port: 4001, url: 'ws://127.0.0.1:4001' };
const components = { self, clock: systemClock, logger: silentLogger() };

function configErrorOf(fn: () => unknown): ConfigError {
  const err = thrown<ConfigError>(fn);
  expect(err).toBeInstanceOf(ConfigError);
  return err;
}

describe('static peer list', () => {
  it('accepts host:port, ip:port and [v6]:port, normalized to lower case', () => {
    expect(parseStaticPeers(['Node-B.example:4002', '10.0.0.3:4003', '[::1]:4004', 'db.local.:4005'], self)).toEqual([
      'node-b.example:4002',
      '10.0.0.3:4003',
      '[::1]:4004',
      'db.local:4005',
    ]);
  });

  it.each([
    ['node-b'],
    ['node-b:'],
    [':4002'],
    ['node-b:0'],
    ['node-b:65536'],
    ['node-b:40x2'],
    ['bad_host!:4002'],
    ['[not-v6]:4002'],
    ['::1:4002'],
    [42],
  ])('rejects %j with a ConfigError naming the field peers', (entry) => {
    const err = configErrorOf(() => parseStaticPeers(['10.0.0.2:4002', entry], self));
    expect(err.code).toBe(ErrorCodes.INVALID_CONFIG);
    expect(err.field).toBe('peers');
    expect(err.message).toContain('entry 1');
  });

  it('rejects a value that is not a list', () => {
    expect(configErrorOf(() => parseStaticPeers('127.0.0.1:4002', self)).field).toBe('peers');
  });

  it('skips our own host:port, so one list can be given to every node', () => {
    expect(parseStaticPeers(['127.0.0.1:4001', '127.0.0.1:4002'], self)).toEqual(['127.0.0.1:4002']);
  });

  it('treats 127.0.0.1, localhost and 0.0.0.0 as the same host when the ports match', () => {
    expect(parseStaticPeers(['localhost:4001', '0.0.0.0:4001', '[::1]:4001', 'localhost:4002'], self)).toEqual(['localhost:4002']);
    const wildcardSelf = { host: '0.0.0.0', port: 4001 };
    expect(parseStaticPeers(['127.0.0.1:4001', '127.0.0.2:4001', 'localhost:4002'], wildcardSelf)).toEqual(['localhost:4002']);
  });

  it('keeps another loopback address on our port: several nodes may share a machine on 127.0.0.x', () => {
    expect(parseStaticPeers(['127.0.0.2:4001', '127.0.0.3:4001'], self)).toEqual(['127.0.0.2:4001', '127.0.0.3:4001']);
  });

  it('does not skip another machine on our port', () => {
    expect(parseStaticPeers(['10.0.0.2:4001'], self)).toEqual(['10.0.0.2:4001']);
  });

  it('skips one of our interface addresses when we listen on the wildcard', () => {
    const localHosts = new Set(['10.0.0.1']);
    expect(parseStaticPeers(['10.0.0.1:4001', '10.0.0.2:4001'], { host: '0.0.0.0', port: 4001 }, localHosts)).toEqual(['10.0.0.2:4001']);
    expect(parseStaticPeers(['10.0.0.1:4001'], { host: '10.0.0.9', port: 4001 }, localHosts)).toEqual(['10.0.0.1:4001']);
  });

  it('lists an address given twice once', () => {
    expect(parseStaticPeers(['10.0.0.2:4002', '10.0.0.2:4002', 'NODE:1', 'node:1'], self)).toEqual(['10.0.0.2:4002', 'node:1']);
  });
});

describe('static discovery', () => {
  it('validates peers when created, before start', () => {
    const err = configErrorOf(() => createDiscovery({ kind: 'static', peers: ['nope'] }, components));
    expect(err.field).toBe('peers');
  });

  it('emits peer:found for every other peer at start, once even when started twice', async () => {
    const discovery = createDiscovery({ kind: 'static', peers: ['127.0.0.1:4001', '127.0.0.1:4002', 'node-c:4003'] }, components);
    const found: DiscoveredPeer[] = [];
    discovery.on('peer:found', (peer) => found.push(peer));
    await discovery.start();
    await discovery.start();
    expect(discovery.kind).toBe('static');
    expect(found).toEqual([{ address: '127.0.0.1:4002' }, { address: 'node-c:4003' }]);
    expect(discovery.peers()).toEqual(found);
  });

  it('forgets its peers on stop without reporting them lost, and stops idempotently', async () => {
    const discovery = createDiscovery({ kind: 'static', peers: ['127.0.0.1:4002'] }, components);
    const lost: DiscoveredPeer[] = [];
    discovery.on('peer:lost', (peer) => lost.push(peer));
    await discovery.start();
    await discovery.stop();
    await discovery.stop();
    expect(discovery.peers()).toEqual([]);
    expect(lost).toEqual([]);
  });

  it('hands out copies: editing peers() does not change the table', async () => {
    const discovery = createDiscovery({ kind: 'static', peers: ['127.0.0.1:4002'] }, components);
    await discovery.start();
    const [peer] = discovery.peers();
    if (peer !== undefined) peer.address = 'changed:1';
    expect(discovery.peers()).toEqual([{ address: '127.0.0.1:4002' }]);
  });

  it('survives a listener that throws', async () => {
    const discovery = createDiscovery({ kind: 'static', peers: ['127.0.0.1:4002', '127.0.0.1:4003'] }, components);
    discovery.on('peer:found', () => {
      throw new Error('listener bug');
    });
    await discovery.start();
    expect(discovery.peers()).toHaveLength(2);
  });
});

describe('createDiscovery', () => {
  it('with kind none finds nobody', async () => {
    const discovery = createDiscovery({ kind: 'none', peers: ['127.0.0.1:4002'] }, components);
    await discovery.start();
    expect(discovery.kind).toBe('none');
    expect(discovery.peers()).toEqual([]);
    await discovery.stop();
  });

  it('rejects an unknown kind with a ConfigError naming the field kind', () => {
    const err = configErrorOf(() => createDiscovery({ kind: 'consul' } as never, components));
    expect(err.field).toBe('kind');
  });
});
