export { State, WriteMode, ErrorCode } from './constants.js';
export { WebSocketPeer } from './websocket-peer.js';
export { TLSOptions, type TLSClientConfig } from './tls-options.js';
export type { Packet, TextPacket } from './packet.js';
