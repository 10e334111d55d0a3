// Where a WebSocketMultiplayerPeer gets its connections: the platform's (TCP servers and ws
// clients in Node, WebSocket clients only in browsers), or an in-memory network for
// deterministic tests (memory-network.ts). The peer never knows which one it runs on.
import { ErrorCode } from '../constants.js';
import { platform } from '#platform';
import type { ConnectionListener, IncomingConnection, Listen } from '../listener.js';
import type { TLSOptions } from '../tls-options.js';

export type { ConnectionListener, IncomingConnection };
import type { WebSocketPeer } from '../websocket-peer.js';

export interface MultiplayerBackend {
  /** Starts listening, or says why it can't (ERR_UNAVAILABLE where servers are impossible). */
  listen: Listen;
  /** Starts `peer` (fresh, configured) connecting to `url`. */
  connect(peer: WebSocketPeer, url: string, tls: TLSOptions | null): ErrorCode;
  /** An id for a new client (default: random in [2, 2³¹ − 1]); `isTaken` says which are in use. */
  newId?(isTaken: (id: number) => boolean): number;
}

/** The platform's: TCPServer in Node; in browsers no server (ERR_UNAVAILABLE), clients only. */
export const platformBackend: MultiplayerBackend = {
  listen: (port, bindAddress, tls) => platform.listen?.(port, bindAddress, tls) ?? ErrorCode.ERR_UNAVAILABLE,
  connect: (peer, url, tls) => peer.connectToUrl(url, tls),
};
