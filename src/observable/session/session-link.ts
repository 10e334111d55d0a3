import type { Observable } from 'rxjs';
import type { CloseInfo } from '../errors.js';
import type { ErrorCode, State } from '../../peer/constants.js';
import type { Packet } from '../../peer/packet.js';
import type { UpgradeRequest } from '../../peer/handshake.js';
import type { WebSocketPeer } from '../../peer/websocket-peer.js';

/**
 * One WebSocket connection as the session layer sees it: the part of an ObservablePeer it
 * uses. A session outlives many links. `peer` is absent only for links built by tests.
 */
export interface SessionLink {
  readonly peer?: WebSocketPeer;
  /** Server side: the handshake the connection came in on, and what authorize accepted it with. */
  readonly request?: UpgradeRequest;
  readonly context?: unknown;
  readonly state$: Observable<State>;
  readonly packets$: Observable<Packet>;
  readonly close$: Observable<CloseInfo>;
  send(message: Uint8Array): ErrorCode;
  close(code?: number, reason?: string): ErrorCode;
}
