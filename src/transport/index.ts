/** The peer transport: see README.md in this folder for the protocol. */
export * from './types.js';
export * from './envelope.js';
export {
  clientProof,
  serverProof,
  proofMatches,
  sessionId,
  newNonce,
  type Cookie,
  type ProofInput,
  type Hello,
  type Auth,
  type Welcome,
  type Refuse,
} from './handshake-messages.js';
export { ServerHandshake, ClientHandshake, type HandshakeStep, type HandshakeOptions, type Admission } from './handshake.js';
export { BaseTransport, TRANSPORT_DEFAULTS, remoteKey, linkRank, type TransportOptions } from './base-transport.js';
export { WsTransport, peerUrl, type WsTransportOptions } from './ws-transport.js';
export { MemoryNetwork, MemoryTransport, type MemoryNetworkOptions, type MemoryTransportOptions } from './memory-transport.js';
