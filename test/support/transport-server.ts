/**
 * Real-socket fixtures for the transport tests: a node:http server on 127.0.0.1:0 whose upgrades go
 * to a WsTransport, as the node's own server does.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../src/log.js';
import { randomId } from '../../src/random.js';
import type { PeerIdentity } from '../../src/transport/types.js';
import { WsTransport, type WsTransportOptions } from '../../src/transport/ws-transport.js';
import { FakeClock } from './fake-clock.js';

export interface PeerServer {
  server: Server;
  port: number;
  /** `127.0.0.1:<port>`, what `dial` takes. */
  address: string;
  /** `http://127.0.0.1:<port>`, the node url. */
  url: string;
  /** Routes upgrades to this transport from now on. */
  use(transport: WsTransport): void;
  close(): Promise<void>;
}

export async function startPeerServer(): Promise<PeerServer> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  let transport: WsTransport | undefined;
  server.on('upgrade', (req, socket, head) => {
    if (transport === undefined) socket.destroy();
    else transport.handleUpgrade(req, socket, head);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    use: (t) => (transport = t),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface WsNode {
  transport: WsTransport;
  server: PeerServer;
  identity: PeerIdentity;
  address: string;
  clock: FakeClock;
  stop(): Promise<void>;
}

/** A started WsTransport behind its own HTTP server; cluster 'test' and cookie 'secret' unless given. */
export async function startWsNode(
  name: string,
  options: Partial<Omit<WsTransportOptions, 'identity'>> & { cluster?: string; incarnation?: string } = {},
): Promise<WsNode> {
  const server = await startPeerServer();
  const clock = (options.clock as FakeClock | undefined) ?? new FakeClock();
  const identity: PeerIdentity = {
    cluster: options.cluster ?? 'test',
    name,
    incarnation: options.incarnation ?? randomId(),
    url: server.url,
  };
  const transport = new WsTransport({ cookie: 'secret', logger: silentLogger(), ...options, clock, identity });
  server.use(transport);
  await transport.start();
  return {
    transport,
    server,
    identity,
    clock,
    address: server.address,
    stop: async () => {
      await transport.stop();
      await server.close();
    },
  };
}
