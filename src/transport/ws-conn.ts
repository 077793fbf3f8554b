/** A {@link FrameConn} over one `ws` WebSocket (either end). */
import { WebSocket, type RawData } from 'ws';
import type { FrameConn } from './conn.js';

/** Largest frame accepted before the handshake succeeds: handshake messages are a few hundred bytes. */
export const HANDSHAKE_FRAME_LIMIT = 16 * 1024;

/** ws keeps the frame limit on its Receiver and the TCP socket on `_socket`, both set when the socket is attached; not public API. */
interface WithReceiver {
  _receiver?: { _maxPayload?: number } | null;
  _socket?: { on(event: 'data', fn: () => void): unknown } | null;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export class WsConn implements FrameConn {
  onFrame: FrameConn['onFrame'] = () => undefined;
  onClose: FrameConn['onClose'] = () => undefined;
  onActivity: (() => void) | undefined;
  private watching = false;
  private isOpened: boolean;
  /** The first local error (ECONNREFUSED, WS_ERR_...): ws always follows an error with 'close'. */
  private cause: string | undefined;
  private readonly closed: Promise<void>;

  private frameLimit = HANDSHAKE_FRAME_LIMIT;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string | undefined,
  ) {
    ws.binaryType = 'nodebuffer';
    this.isOpened = ws.readyState === WebSocket.OPEN;
    // Accepted sockets have their receiver now; dialed ones get it on 'open' (before any frame is read).
    this.applyFrameLimit();
    this.watchBytes();
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('open', () => {
      this.isOpened = true;
      this.applyFrameLimit();
      this.watchBytes();
    });
    ws.on('message', (data, isBinary) => this.onFrame(toBytes(data), isBinary));
    ws.on('error', (err: Error & { code?: string }) => {
      this.cause ??= err.code ?? err.message;
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString('utf8'), this.cause));
  }

  get opened(): boolean {
    return this.isOpened;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: Uint8Array, done?: () => void): void {
    // ws throws when sending on a CONNECTING socket; CLOSING/CLOSED only report to the callback.
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame, { binary: true }, () => done?.());
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(code, reason.slice(0, 120));
  }

  terminate(): void {
    this.ws.terminate();
  }

  whenClosed(): Promise<void> {
    return this.closed;
  }

  setFrameLimit(bytes: number): void {
    this.frameLimit = bytes;
    this.applyFrameLimit();
  }

  /** Reports arriving bytes (an extra 'data' listener on the TCP socket; ws keeps its own). */
  private watchBytes(): void {
    const socket = (this.ws as unknown as WithReceiver)._socket;
    if (this.watching || socket === undefined || socket === null) return;
    this.watching = true;
    socket.on('data', () => this.onActivity?.());
  }

  private applyFrameLimit(): void {
    const receiver = (this.ws as unknown as WithReceiver)._receiver;
    // If a future ws hides its receiver, the server-wide maxPayload still bounds every frame.
    if (receiver !== undefined && receiver !== null && typeof receiver._maxPayload === 'number') receiver._maxPayload = this.frameLimit;
  }
}
