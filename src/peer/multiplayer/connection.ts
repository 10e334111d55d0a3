// One WebSocket connection of a multiplayer peer (a server's client, or a client's link to
// its server) and the state it is in. Deadlines are times on the multiplayer peer's clock.
import { State } from '../constants.js';
import { utf8ByteLength } from '../utf8.js';
import type { WebSocketPeer } from '../websocket-peer.js';

export enum LinkState {
  /** The WebSocket handshake (and, for a client, the wait for its id) is under way; `deadline` ends it. */
  HANDSHAKING,
  /** Joined: it has an id and carries packets. */
  OPEN,
  /** We closed it; polled until its close handshake ends or `deadline` passes. Nothing more is read. */
  CLOSING,
}

export interface Connection {
  readonly ws: WebSocketPeer;
  /** 0 until the server gives it an id (server side); 1 for a client's link to its server. */
  id: number;
  state: LinkState;
  /** When the current state times out (HANDSHAKING, CLOSING); Infinity when it does not. */
  deadline: number;
}

const MAX_CLOSE_REASON_BYTES = 123;

/** Closes with a close frame and moves to CLOSING until `deadline`; nothing more is read from it. */
export function startClosing(connection: Connection, code: number, reason: string, deadline: number): void {
  if (connection.state === LinkState.CLOSING) return;
  connection.state = LinkState.CLOSING;
  connection.deadline = deadline;
  connection.ws.close(code, fitCloseReason(reason));
}

/** Drops a connection the peer no longer keeps: with a close frame (code ≥ 0) if still OPEN, else at once. */
export function abandon(connection: Connection, code = -1, reason = ''): void {
  const { ws } = connection;
  if (code >= 0 && ws.getReadyState() === State.OPEN) ws.close(code, fitCloseReason(reason));
  else ws.close(-1);
}

/** A close frame holds 123 bytes of reason; ours are ASCII, cut to fit just in case. */
function fitCloseReason(reason: string): string {
  return utf8ByteLength(reason) <= MAX_CLOSE_REASON_BYTES ? reason : reason.slice(0, MAX_CLOSE_REASON_BYTES - 3);
}
