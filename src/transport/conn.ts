/**
 * The one thing a transport needs from a byte pipe: ordered, framed, bidirectional delivery. The
 * WebSocket and in-memory transports each wrap their pipe in a FrameConn; the handshake driver and
 * the link are written once against it.
 */

export interface FrameConn {
  /** Where the other end is, for logs (`127.0.0.1:51234`, a memory address). */
  readonly remoteAddress: string | undefined;
  /** False until the pipe is open (a WebSocket still upgrading); decides which error a failed dial gets. */
  readonly opened: boolean;
  /** Bytes accepted by `send` and not yet handed to the OS. */
  readonly bufferedAmount: number;
  /** Queues one binary frame; `done` runs when it has left the process (or failed). Never throws. */
  send(frame: Uint8Array, done?: () => void): void;
  /** Graceful close: the other end gets `code` and `reason`. Idempotent. */
  close(code: number, reason: string): void;
  /** Abrupt close, no goodbye. */
  terminate(): void;
  /** Resolves once the pipe is fully closed. */
  whenClosed(): Promise<void>;
  /**
   * Largest frame the pipe accepts from now on (a bigger one closes it). Small until the handshake
   * succeeds, so an unauthenticated peer cannot make us buffer a 64 MiB frame; optional for pipes
   * that buffer nothing (the in-memory twin).
   */
  setFrameLimit?(bytes: number): void;
  /**
   * Set by the owner: called when bytes arrive, before a frame is complete. A large frame on a slow
   * link takes seconds to arrive whole; the bytes flowing meanwhile show the peer is alive.
   */
  onActivity?: () => void;
  /** Set by the owner: one call per received frame. */
  onFrame: (data: Uint8Array, isBinary: boolean) => void;
  /** Set by the owner: called once when the pipe closed, with the close code, the peer's reason text and a local error code if one caused it (`ECONNREFUSED`, `WS_ERR_...`). */
  onClose: (code: number, reason: string, cause: string | undefined) => void;
}
