import { CLOSE_CODE_ABNORMAL, ErrorCode, State } from '../constants.js';
import { kSetHooks } from '../internal.js';
import { TLSOptions } from '../tls-options.js';
import { parseWebSocketUrl } from '../validation.js';
import { WebSocketPeer } from '../websocket-peer.js';
import { Signals } from './signals.js';

/** Godot 3's WebSocketClient signals and their arguments. */
export interface WebSocketClientSignals {
  /** The handshake completed; `protocol` is the selected subprotocol ("" if none). */
  connection_established: [protocol: string];
  /** The connection could not be made (DNS, TCP, TLS or handshake failure). */
  connection_error: [];
  /** An established connection ended; clean when a close frame was received. */
  connection_closed: [wasClean: boolean];
  /** The server sent the first close frame (the answer goes out automatically). */
  server_close_request: [code: number, reason: string];
  /** One message arrived; read it with `getPeer(1).getPacket()`. */
  data_received: [];
}

/**
 * Godot 3's `WebSocketClient` (seed 002) on a {@link WebSocketPeer}. Signals are events
 * (`on('connection_established', …)`), delivered only inside `poll()`.
 *
 * `gdMpApi = true` (Godot 3's multiplayer wire protocol) is not available yet:
 * `connectToUrl` returns ERR_UNAVAILABLE for it.
 */
export class WebSocketClient extends Signals<WebSocketClientSignals> {
  /** Verify the server's certificate and host name for wss:// URLs. */
  verifySsl = true;
  /** PEM certificate to trust instead of the system's CAs (Godot: the only one accepted). */
  trustedSslCertificate: string | Uint8Array | null = null;

  readonly #peer = new WebSocketPeer();
  #established = false;
  /** Set while disconnectFromHost() runs: what it causes at once emits nothing, as in Godot 3. */
  #quiet = false;

  constructor() {
    super();
    this.#peer[kSetHooks]({
      stateChanged: (state) => this.#stateChanged(state),
      wake: () => {},
      // The peer reports packets and the close request in wire order, inside poll().
      closeRequested: (code, reason) => this.enqueue(['server_close_request', [code, reason]]),
      packetReady: () => {
        if (!this.#quiet) this.enqueue(['data_received', []]);
      },
    });
  }

  /**
   * Connects to a ws:// or wss:// URL, offering `protocols` and sending `customHeaders`
   * (`"Name: value"` lines). OK, or ERR_INVALID_PARAMETER (bad URL, protocol or header),
   * ERR_ALREADY_IN_USE (not disconnected yet), ERR_UNAVAILABLE (`gdMpApi`).
   */
  connectToUrl(url: string, protocols: string[] = [], gdMpApi = false, customHeaders: string[] = []): ErrorCode {
    if (gdMpApi) return ErrorCode.ERR_UNAVAILABLE;
    if (!Array.isArray(protocols) || !Array.isArray(customHeaders)) return ErrorCode.ERR_INVALID_PARAMETER;
    const parsed = parseWebSocketUrl(url);
    if (parsed === null) return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#peer.getReadyState() !== State.CLOSED) return ErrorCode.ERR_ALREADY_IN_USE;
    this.#peer.supportedProtocols = [...protocols];
    this.#peer.handshakeHeaders = [...customHeaders];
    let tls: TLSOptions | undefined;
    if (parsed.protocol === 'wss:') {
      const trustedCa = this.trustedSslCertificate ?? undefined;
      tls = this.verifySsl ? TLSOptions.client({ trustedCa }) : TLSOptions.clientUnsafe();
    }
    const error = this.#peer.connectToUrl(url, tls);
    if (error === ErrorCode.OK) this.#established = false;
    return error;
  }

  /**
   * Closes with a close frame (`connection_closed` follows in a later poll()), or, while
   * still connecting or with a negative code, drops the connection without any signal.
   */
  disconnectFromHost(code = 1000, reason = ''): ErrorCode {
    this.#quiet = true;
    try {
      return this.#peer.close(code, reason);
    } finally {
      this.#quiet = false;
    }
  }

  /** Reads the network and emits this client's signals. */
  poll(): void {
    this.#peer.poll();
    this.flush();
  }

  /** The connection's peer for id 1 (the server); null for any other id. */
  getPeer(id: number): WebSocketPeer | null {
    return id === 1 ? this.#peer : null;
  }

  getConnectedHost(): string {
    return this.#peer.getConnectedHost();
  }

  getConnectedPort(): number {
    return this.#peer.getConnectedPort();
  }

  #stateChanged(state: State): void {
    if (state === State.OPEN) {
      this.#established = true;
      this.enqueue(['connection_established', [this.#peer.getSelectedProtocol()]]);
    } else if (state === State.CLOSED) {
      const established = this.#established;
      this.#established = false;
      if (this.#quiet) return;
      if (established) this.enqueue(['connection_closed', [this.#peer.getCloseCode() !== CLOSE_CODE_ABNORMAL]]);
      else this.enqueue(['connection_error', []]);
    }
  }
}
