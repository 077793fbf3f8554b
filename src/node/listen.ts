/**
 * Binding the node's one port. With no port configured: 4000, or the next free one up to 4099, so
 * `npm start` in three terminals gives three nodes. A configured port that is taken is a config error.
 */
import type { Server } from 'node:http';
import { ConfigError } from '../errors.js';

export const DEFAULT_PORT = 4000;
const LAST_AUTO_PORT = 4099;

function tryListen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Listens on `port`, or on the first free port from 4000 when `port` is null; returns the port. */
export async function listen(server: Server, host: string, port: number | null): Promise<number> {
  if (port !== null) {
    try {
      return await tryListen(server, host, port);
    } catch (err) {
      throw new ConfigError('port', `cannot listen on ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  for (let candidate = DEFAULT_PORT; candidate <= LAST_AUTO_PORT; candidate++) {
    try {
      return await tryListen(server, host, candidate);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE')
        throw new ConfigError(
          'port',
          `cannot listen on ${host}:${candidate}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
    }
  }
  throw new ConfigError('port', `ports ${DEFAULT_PORT}-${LAST_AUTO_PORT} are all taken: give one with --port`);
}
