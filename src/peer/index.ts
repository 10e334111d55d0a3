export { State, WriteMode, ErrorCode, MAX_PEER_SECONDS } from './constants.js';
export { WebSocketPeer } from './websocket-peer.js';
export { describeUrlProblem } from './validation.js';
export { TLSOptions, type TLSClientConfig } from './tls-options.js';
export type { Packet, TextPacket } from './packet.js';
export type { Authorize, UpgradeRequest, Verdict } from './handshake.js';
/* Multiplayer: Godot 4's WebSocketMultiplayerPeer (createServer is Node only; browsers get ERR_UNAVAILABLE) */
export * from './multiplayer/index.js';

/* Servers (Node only; the browser entry leaves them out) */
export { TCPServer } from './node/tcp-server.js';
export { StreamPeerTCP, StreamPeerTLS } from './node/stream-peer.js';

/* Godot 3 API: WebSocketClient / WebSocketServer with signals as events */
export * from './godot3/index.js';
