/**
 * The safety check on the multicast-dns socket inside bonjour-service, apart so it can be tested
 * without sockets.
 *
 * multicast-dns joins the group and sets the outgoing interface in its `listening` handler, before
 * any queued packet is sent, and reports a failure of either only as a `warning` event. A packet
 * sent after such a failure would leave by the default route, i.e. out of the scope we chose (a
 * real LAN). So a warning before `ready` destroys the socket at once, before it has sent anything
 * (a destroyed socket drops queued sends). Its `error` event (EADDRINUSE, EACCES) has no listener
 * inside the library and would crash the process: it is logged here.
 */
import type { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

/** The multicast-dns instance inside Bonjour (`bonjour.server.mdns`); not in the typings. */
export interface MulticastDns extends EventEmitter {
  destroy(cb?: () => void): void;
}

/**
 * Resolves true once the socket is bound and scoped; false (socket destroyed, or not bound) on a
 * warning before ready, on a socket error, or after `timeoutMs`. The listeners stay attached for
 * the socket's life, so later warnings and errors are logged instead of thrown.
 */
export function waitForScopedSocket(mdns: MulticastDns, clock: Clock, log: Logger, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      resolve(ok);
    };
    const timer = clock.setTimeout(() => {
      log.error({ timeoutMs }, 'mdns socket not ready; mdns discovery disabled');
      mdns.destroy();
      settle(false);
    }, timeoutMs);
    mdns.on('warning', (err: unknown) => {
      if (settled) {
        log.debug({ err }, 'mdns warning');
        return;
      }
      mdns.destroy();
      log.error({ err }, 'mdns socket could not be scoped; mdns discovery disabled');
      settle(false);
    });
    mdns.on('error', (err: unknown) => {
      log.error({ err }, 'mdns socket error');
      if (settled) return;
      mdns.destroy();
      settle(false);
    });
    mdns.once('ready', () => settle(true));
  });
}
