import type { Refusal, UpgradeRequest } from './handshake.js';

// The one narrow link between a WebSocketPeer and its I/O. A transport owns the socket
// (ws, the browser's WebSocket, or memory) and pushes what happens into a sink; the peer
// records it and applies it in poll(). The peer never touches a socket.

/** What a transport reports. Called from I/O callbacks, never from inside poll(). */
export interface TransportSink {
  /** Handshake complete. */
  onOpen(info: OpenInfo): void;
  /** One whole message. `data` belongs to the peer from now on. */
  onMessage(data: Uint8Array, isText: boolean): void;
  /** A pong answered our ping. */
  onPong(): void;
  /**
   * The remote's close frame arrived (code ≥ 1000, 1005 for an empty frame), or the
   * connection is gone without one (code -1). For a protocol error the peer detected
   * itself, code and reason are the ones it sent (1009, 1002, 1007) and `initiatedHere` is
   * true, so the peer does not mistake it for the remote asking to close. Reported once.
   * `cause` says in words a person can act on why a connection ended without a close
   * frame (the refused address, the HTTP status, the TLS error, ...).
   */
  onClose(code: number, reason: string, initiatedHere?: boolean, cause?: string): void;
  /**
   * Server side, only when the settings ask for `checkRequests`: a valid upgrade request
   * arrived and the handshake waits for `respond` (null accepts; a refusal answers with that
   * HTTP status). Extra calls to `respond`, or calls after the connection is gone, do nothing.
   */
  onRequest(request: UpgradeRequest, respond: (refusal: Refusal | null) => void): void;
  /**
   * The transport sent a close frame of its own because of what it received (a protocol
   * error, a limit): the peer is CLOSING with that code from now on, and its close timeout
   * runs (a remote that misbehaves may never answer). onClose follows.
   */
  onClosing?(code: number, reason: string, cause: string): void;
}

export interface OpenInfo {
  protocol: string;
  remoteAddress: string;
  remotePort: number;
  /** Server side: the URL the client asked for, `ws(s)://host/path?query`. */
  requestedUrl?: string;
  /** Server side: the client's upgrade request. */
  request?: UpgradeRequest;
}

export interface Transport {
  /** Queue a message. False when the transport can no longer send (closing underneath). */
  send(data: Uint8Array, isText: boolean): boolean;
  /**
   * Hand what send() queued to the network now (transports that batch the messages of one
   * poll write them at the end of the current microtask otherwise).
   */
  flush?(): void;
  /** Send a close frame (also used to answer the remote's); no-op once sent. */
  close(code: number, reason: string): void;
  /** Drop the connection now, without a close frame. Reports nothing afterwards. */
  terminate(): void;
  /** Send a ping; false when the transport can't (browsers). */
  ping(): boolean;
  /** Payload bytes accepted by send() but not yet written to the network. */
  readonly bufferedAmount: number;
  /** Messages accepted by send() but not yet written, where known (else 0). */
  readonly bufferedCount: number;
  /** Stop reading from the network (TCP pushes back); resumeReading() undoes it. */
  pauseReading(): void;
  resumeReading(): void;
  setNoDelay(enabled: boolean): void;
  /** Close codes this transport can put on the wire (browsers allow fewer). */
  canSendCloseCode?(code: number): boolean;
  /** Messages accepted by send() and not (yet) written, oldest first; asked once the connection ended. */
  takeUnsent?(): { data: Uint8Array; isText: boolean }[];
}


export interface ClientRequest {
  url: URL;
  protocols: string[];
  headers: { name: string; value: string }[];
  tls: import('./tls-options.js').TLSOptions | null;
  maxPayload: number;
  noDelay: boolean;
  /** false: don't offer permessage-deflate; otherwise offer it (ws's defaults, or this threshold). */
  perMessageDeflate: false | { threshold?: number };
  maxPendingPongs: number;
}
