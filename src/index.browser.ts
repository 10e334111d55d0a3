// The root export in browsers (the "browser" condition of package.json "exports"):
// everything in index.ts except the
// Node-only servers (TCPServer, StreamPeerTCP/TLS, Godot 3's WebSocketServer, listen(), attach()),
// which would pull in ws, net and tls. test/browser/entry.test.ts keeps the two in step.

/* Peer */
export { State, WriteMode, ErrorCode, MAX_PEER_SECONDS } from './peer/constants.js';
export { WebSocketPeer } from './peer/websocket-peer.js';
export { describeUrlProblem } from './peer/validation.js';
export { TLSOptions, type TLSClientConfig } from './peer/tls-options.js';
export type { Packet, TextPacket } from './peer/packet.js';
export type { Authorize, UpgradeRequest, Verdict } from './peer/handshake.js';
/* Multiplayer: in browsers a client only (createServer returns ERR_UNAVAILABLE) */
export * from './peer/multiplayer/index.js';
/* Godot 3 API: the client only (WebSocketServer listens on TCP) */
export { WebSocketClient, type WebSocketClientSignals } from './peer/godot3/websocket-client.js';

/* Observable */
export * from './observable/index.js';

/* Operators */
export * from './operators/index.js';
