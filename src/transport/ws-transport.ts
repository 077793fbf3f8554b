/**
 * The peer transport over WebSockets. It owns no HTTP server: the node's one server hands it the
 * upgrade requests for {@link WsTransport.path} through {@link WsTransport.handleUpgrade}, so the API
 * and the peer endpoint share a port.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { HandshakeError, NodeUnreachableError } from '../errors.js';
import { BaseTransport, type TransportOptions } from './base-transport.js';
import { RefuseReasons, type PeerLink } from './types.js';
import { WsConn } from './ws-conn.js';

export interface WsTransportOptions extends TransportOptions {
  /** The HTTP path of the peer endpoint. Default '/peer'. */
  path?: string;
}

/**
 * The ws:// url to dial for `address`: `host:port`, `http(s)://host:port` (a node's `url`) or a
 * `ws(s)://` url; the path defaults to `path`. Throws TypeError on an address that is none of these.
 */
export function peerUrl(address: string, path: string): string {
  const hasScheme = /^[a-z]+:\/\//i.test(address);
  if (!hasScheme && !/:\d+$/.test(address)) throw new TypeError('expected host:port');
  const url = new URL(hasScheme ? address : `ws://${address}`);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`unsupported scheme ${url.protocol}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = path;
  return url.toString();
}

export class WsTransport extends BaseTransport {
  readonly path: string;
  private readonly wss: WebSocketServer;

  constructor(options: WsTransportOptions) {
    super(options);
    this.path = options.path ?? '/peer';
    // Never closed: after stop() upgrades still arrive here and get a REFUSE 'shutting-down', which
    // tells the dialer more than a 503 would. With noServer and no client tracking it holds nothing.
    // Compression stays off: deltas are small and per-message deflate costs memory per socket.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.limits.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** Takes over an HTTP upgrade request for the peer path. Other paths get a 404 and are closed. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let pathname = '';
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      // a request line no URL parser accepts: answered below like any unknown path
    }
    if (pathname !== this.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const remoteAddress = req.socket.remoteAddress !== undefined ? `${req.socket.remoteAddress}:${req.socket.remotePort ?? 0}` : undefined;
    try {
      // ws answers a malformed upgrade (bad key, version) with a 4xx itself.
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(new WsConn(ws, remoteAddress), remoteAddress));
    } catch (err) {
      this.log.warn({ remoteAddress, err: (err as Error).message }, 'upgrade failed');
      socket.destroy();
    }
  }

  dial(address: string): Promise<PeerLink> {
    if (!this.running) return Promise.reject(new HandshakeError(RefuseReasons.SHUTTING_DOWN, 'the transport is not running'));
    let url: string;
    try {
      url = peerUrl(address, this.path);
    } catch (err) {
      return Promise.reject(new NodeUnreachableError(address, `bad address: ${(err as Error).message}`));
    }
    const ws = new WebSocket(url, { maxPayload: this.limits.maxPayloadBytes, perMessageDeflate: false });
    return this.connect(new WsConn(ws, new URL(url).host), url);
  }
}
