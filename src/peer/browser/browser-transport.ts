// A WebSocketPeer's transport over the browser's own WebSocket, as Godot's web export
// (emws_peer.cpp) does it. The browser runs the handshake, answers pings and close frames
// by itself; this class only records what it reports, for the peer's next poll().
import { CLOSE_CODE_ABNORMAL, PROTOCOL_CLOSE } from '../constants.js';
import type { ClientRequest, Transport, TransportSink } from '../transport.js';
import { decodeUtf8, encodeUtf8 } from '../utf8.js';

/** What the WebSocket reports when no close frame arrived (RFC 6455 §7.1.5); -1 for the peer. */
const CLOSE_CODE_NO_FRAME = 1006;
/** TLS handshake failure: no close frame can have arrived either. */
const CLOSE_CODE_TLS_FAILURE = 1015;

/**
 * Close codes `WebSocket.close()` accepts from a page (WHATWG WebSockets, close() step 1):
 * 1000 and 3000–4999. Anything else throws InvalidAccessError.
 */
export function isBrowserCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

export class BrowserTransport implements Transport {
  readonly #socket: WebSocket;
  readonly #sink: TransportSink;
  readonly #maxPayload: number;
  #reported = false;

  /** Throws what the WebSocket constructor throws (SyntaxError, SecurityError): the peer answers ERR_INVALID_PARAMETER. */
  constructor(url: URL, protocols: string[], maxPayload: number, sink: TransportSink) {
    const socket = new WebSocket(url.href, protocols);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    this.#sink = sink;
    this.#maxPayload = maxPayload;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      sink.onOpen({ protocol: socket.protocol, remoteAddress: '', remotePort: 0 });
    };
    socket.onmessage = (event: MessageEvent<string | ArrayBuffer>) => this.#message(event.data);
    // No 'error' listener: it is always followed by 'close', which says all there is to know.
    socket.onclose = (event: CloseEvent) => {
      const dropped = event.code === CLOSE_CODE_NO_FRAME || event.code === CLOSE_CODE_TLS_FAILURE;
      // Browsers hide why a connection failed (refused, DNS, TLS, HTTP status) from pages on purpose.
      const cause = !dropped
        ? ''
        : event.code === CLOSE_CODE_TLS_FAILURE
          ? 'the TLS handshake failed (1015)'
          : opened
            ? 'the connection was lost without a close frame (1006)'
            : `could not connect to ${url.host}: the browser gives no detail (refused, unknown host, TLS or an HTTP status other than 101; see the browser console)`;
      this.#report(dropped ? CLOSE_CODE_ABNORMAL : event.code, dropped ? '' : event.reason, false, cause);
    };
  }

  /** `WebSocket.bufferedAmount`: payload bytes queued by send() and not yet handed to the network. */
  get bufferedAmount(): number {
    return this.#socket.readyState === WebSocket.OPEN ? this.#socket.bufferedAmount : 0;
  }

  /** The browser does not say how many messages are queued. */
  get bufferedCount(): number {
    return 0;
  }

  send(data: Uint8Array, isText: boolean): boolean {
    if (this.#reported || this.#socket.readyState !== WebSocket.OPEN) return false;
    // The peer has checked text for valid UTF-8; the browser wants it as a string.
    this.#socket.send(isText ? decodeUtf8(data) : sendable(data));
    return true;
  }

  close(code: number, reason: string): void {
    // Answering the remote's close frame is the browser's job: it has done so before 'close'.
    if (this.#socket.readyState !== WebSocket.OPEN || !isBrowserCloseCode(code)) return;
    this.#socket.close(code, reason);
  }

  /**
   * A page cannot drop a connection without a close frame. Still connecting: close()
   * abandons the handshake. Open: a close frame without a status code (the remote sees
   * 1005), as near to "gone" as the browser allows. Nothing is reported afterwards.
   */
  terminate(): void {
    this.#reported = true;
    this.#detach();
    const state = this.#socket.readyState;
    if (state === WebSocket.CONNECTING || state === WebSocket.OPEN) this.#socket.close();
  }

  /** Browsers cannot send protocol pings; the peer turns its heartbeat off. */
  ping(): boolean {
    return false;
  }

  // The browser reads on its own and has no TCP options to offer.
  pauseReading(): void {}
  resumeReading(): void {}
  setNoDelay(_enabled: boolean): void {}

  canSendCloseCode(code: number): boolean {
    return isBrowserCloseCode(code);
  }

  #message(data: string | ArrayBuffer): void {
    if (this.#reported) return;
    const isText = typeof data === 'string';
    const bytes = isText ? encodeUtf8(data) : new Uint8Array(data);
    if (bytes.byteLength > this.#maxPayload) {
      // As ws does in Node: the peer closes with 1009 "Message too big" (exact rule 3). A page
      // may not send 1009, so the frame on the wire says 1000 with that reason.
      const { code, reason } = PROTOCOL_CLOSE.messageTooBig;
      this.#socket.close(1000, reason);
      this.#report(code, reason, true);
      return;
    }
    this.#sink.onMessage(bytes, isText);
  }

  #report(code: number, reason: string, initiatedHere = false, cause = ''): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#detach();
    this.#sink.onClose(code, reason, initiatedHere, cause);
  }

  #detach(): void {
    const socket = this.#socket;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
  }
}

/** WebSocket.send() refuses a view of a SharedArrayBuffer: such bytes are copied. */
function sendable(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : data.slice();
}

/** Opens a client connection with the browser's WebSocket. */
export function connectWithBrowserWebSocket(request: ClientRequest, sink: TransportSink): Transport {
  return new BrowserTransport(request.url, request.protocols, request.maxPayload, sink);
}
