// Where server-side connections come from, for drivers that accept them (listen(), the
// multiplayer peer): a TCP server in Node (node/tcp-listener.ts, TLS included), or an
// in-memory network in tests. A driver never knows which one it has.
import type { ErrorCode } from './constants.js';
import type { TLSOptions } from './tls-options.js';
import type { WebSocketPeer } from './websocket-peer.js';

/** One connection waiting at a listener, not yet handed to a WebSocketPeer. */
export interface IncomingConnection {
  /** Starts the server side of the handshake on `peer` (fresh, configured): OK, or why not. */
  accept(peer: WebSocketPeer): ErrorCode;
  /** Drops the connection at once. */
  refuse(): void;
}

export interface ConnectionListener {
  /** OK once bound, or the bind error. Never rejects. */
  ready(): Promise<ErrorCode>;
  /** The bound port, once ready() resolved OK. */
  getLocalPort(): number;
  /** The oldest waiting connection, or null. */
  take(): IncomingConnection | null;
  /** `callback` runs whenever a connection starts waiting (null removes it). */
  onConnection(callback: (() => void) | null): void;
  /** Stops listening and drops the connections still waiting. */
  stop(): void;
}

/** Starts listening, or says why it can't (a bad port, address or TLS options; ERR_UNAVAILABLE where servers are impossible). */
export type Listen = (port: number, bindAddress: string, tls: TLSOptions | null) => ConnectionListener | ErrorCode;
