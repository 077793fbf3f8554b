import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { waitForScopedSocket, type MulticastDns } from '../../../src/discovery/mdns-socket.js';
import { captureLog } from '../../support/discovery-wait.js';

// A stand-in for the multicast-dns instance: the test drives its events by hand.
class FakeMdns extends EventEmitter implements MulticastDns {
  destroyed = 0;
  destroy(cb?: () => void): void {
    this.destroyed += 1;
    cb?.();
  }
}

describe('the mdns socket scope check', () => {
  it('is ready when the socket binds without a warning', async () => {
    const mdns = new FakeMdns();
    const ready = waitForScopedSocket(mdns, systemClock, captureLog().logger, 5000);
    mdns.emit('ready');
    expect(await ready).toBe(true);
    expect(mdns.destroyed).toBe(0);
  });

  it('destroys the socket before it sends anything when joining the group or choosing the interface failed', async () => {
    const mdns = new FakeMdns();
    const log = captureLog();
    const ready = waitForScopedSocket(mdns, systemClock, log.logger, 5000);
    mdns.emit('warning', new Error('addMembership EADDRNOTAVAIL'));
    expect(mdns.destroyed).toBe(1); // synchronously, inside the warning: no queued send runs first
    mdns.emit('ready');
    expect(await ready).toBe(false);
    expect(log.lines.map((l) => l.msg)).toContain('mdns socket could not be scoped; mdns discovery disabled');
  });

  it('logs a bind error instead of letting it crash the process', async () => {
    const mdns = new FakeMdns();
    const log = captureLog();
    const ready = waitForScopedSocket(mdns, systemClock, log.logger, 5000);
    mdns.emit('error', Object.assign(new Error('bind EADDRINUSE'), { code: 'EADDRINUSE' }));
    expect(await ready).toBe(false);
    expect(log.lines.find((l) => l.msg === 'mdns socket error')).toMatchObject({ level: 50 });
  });

  it('only logs warnings and errors that come after ready', async () => {
    const mdns = new FakeMdns();
    const log = captureLog();
    const ready = waitForScopedSocket(mdns, systemClock, log.logger, 5000);
    mdns.emit('ready');
    await ready;
    mdns.emit('warning', new Error('bad packet'));
    mdns.emit('error', new Error('late'));
    expect(mdns.destroyed).toBe(0);
    expect(log.lines.map((l) => l.msg)).toEqual(['mdns warning', 'mdns socket error']);
  });

  it('gives up, destroying the socket, when it never becomes ready', async () => {
    const mdns = new FakeMdns();
    expect(await waitForScopedSocket(mdns, systemClock, captureLog().logger, 20)).toBe(false);
    expect(mdns.destroyed).toBe(1);
  });
});
