import { ErrorCode, isCleanClose, State } from '../constants.js';
import { kSetHooks } from '../internal.js';
import { ConnectionStatus, WebSocketMultiplayerPeer } from '../multiplayer/websocket-multiplayer-peer.js';
import { TLSOptions } from '../tls-options.js';
import { normalizeProtocols, parseHeaderLine, parseWebSocketUrl } from '../validation.js';
import { WebSocketPeer } from '../websocket-peer.js';
import { forwardMultiplayerSignals, MULTIPLAYER_SIGNAL_NAMES, type MultiplayerBridgeSignals } from './multiplayer-bridge.js';
import { type Emission, Signals } from '../signals.js';

/** Godot 3's WebSocketClient signals and their arguments (the NetworkedMultiplayerPeer ones with `gdMpApi` only). */
export interface WebSocketClientSignals extends MultiplayerBridgeSignals {
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
 * Godot 3's `WebSocketClient` on a {@link WebSocketPeer}. Signals are events
 * (`on('connection_established', …)`), delivered only inside `poll()`.
 *
 * `gdMpApi = true` runs Godot 3's multiplayer wire protocol (a {@link WebSocketMultiplayerPeer}
 * underneath): then, as in Godot 3, the client is a NetworkedMultiplayerPeer (`setTargetPeer`,
 * `putPacket`, `getPacket`, `getPacketPeer`, `getUniqueId`, …) and emits `connection_succeeded`,
 * `connection_failed`, `server_disconnected`, `peer_connected`, `peer_disconnected` and
 * `peer_packet` instead of `connection_established`, `connection_error`, `connection_closed`
 * and `data_received`.
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
  /** With gdMpApi: the multiplayer peer doing the work. */
  #multiplayer: WebSocketMultiplayerPeer | null = null;

  constructor() {
    super([
      'connection_established',
      'connection_error',
      'connection_closed',
      'server_close_request',
      'data_received',
      ...MULTIPLAYER_SIGNAL_NAMES,
    ]);
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
   * (`"Name: value"` lines). OK, or ERR_INVALID_PARAMETER (bad URL, protocol, header or
   * trustedSslCertificate),
   * ERR_ALREADY_IN_USE (not disconnected yet). `gdMpApi`: Godot 3's multiplayer wire protocol.
   */
  connectToUrl(url: string, protocols: string[] = [], gdMpApi = false, customHeaders: string[] = []): ErrorCode {
    // Everything checked before anything changes: a refused call leaves the client as it was.
    if (normalizeProtocols(protocols) === null || !Array.isArray(customHeaders)) return ErrorCode.ERR_INVALID_PARAMETER;
    if (customHeaders.some((line) => parseHeaderLine(line) === null)) return ErrorCode.ERR_INVALID_PARAMETER;
    const parsed = parseWebSocketUrl(url);
    if (parsed === null) return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#peer.getReadyState() !== State.CLOSED) return ErrorCode.ERR_ALREADY_IN_USE;
    if (this.#multiplayer !== null && this.#multiplayer.getConnectionStatus() !== ConnectionStatus.DISCONNECTED) {
      return ErrorCode.ERR_ALREADY_IN_USE;
    }
    let tls: TLSOptions | undefined;
    if (parsed.protocol === 'wss:') {
      const trustedCa = this.trustedSslCertificate ?? undefined;
      try {
        tls = this.verifySsl ? TLSOptions.client({ trustedCa }) : TLSOptions.clientUnsafe();
      } catch {
        return ErrorCode.ERR_INVALID_PARAMETER; // trustedSslCertificate is not PEM
      }
    }
    if (gdMpApi) return this.#connectMultiplayer(url, protocols, customHeaders, tls ?? null);
    this.#multiplayer = null;
    this.#peer.supportedProtocols = [...protocols];
    this.#peer.handshakeHeaders = [...customHeaders];
    const error = this.#peer.connectToUrl(url, tls);
    if (error === ErrorCode.OK) this.#established = false;
    return error;
  }

  /**
   * Closes with a close frame (`connection_closed` follows in a later poll()), or, while
   * still connecting or with a negative code, drops the connection without any signal.
   */
  disconnectFromHost(code = 1000, reason = ''): ErrorCode {
    const multiplayer = this.#multiplayer;
    if (multiplayer !== null) {
      const peer = multiplayer.getPeer(1);
      if (peer === null) return ErrorCode.OK;
      if (multiplayer.getConnectionStatus() === ConnectionStatus.CONNECTED && code >= 0) return peer.close(code, reason);
      const error = peer.close(code, reason);
      if (error === ErrorCode.OK) {
        multiplayer.close(); // while connecting (or a negative code): gone at once, no signal
        this.clearQueue();
      }
      return error;
    }
    this.#quiet = true;
    try {
      return this.#peer.close(code, reason);
    } finally {
      this.#quiet = false;
    }
  }

  /** Reads the network and emits this client's signals. */
  poll(): void {
    if (this.#multiplayer !== null) this.#multiplayer.poll();
    else this.#peer.poll();
    this.flush();
  }

  /** The connection's peer for id 1 (the server); null for any other id. */
  getPeer(id: number): WebSocketPeer | null {
    if (this.#multiplayer !== null) return this.#multiplayer.getPeer(id);
    return id === 1 ? this.#peer : null;
  }

  getConnectedHost(): string {
    return this.getPeer(1)?.getConnectedHost() ?? '';
  }

  getConnectedPort(): number {
    return this.getPeer(1)?.getConnectedPort() ?? 0;
  }

  // ---- NetworkedMultiplayerPeer (gdMpApi; otherwise ERR_UNCONFIGURED / nothing, as Godot 3) ----

  /** The id the server gave this client (gdMpApi), 0 until then. */
  getUniqueId(): number {
    return this.#multiplayer?.getUniqueId() ?? 0;
  }

  getConnectionStatus(): ConnectionStatus {
    if (this.#multiplayer !== null) return this.#multiplayer.getConnectionStatus();
    const state = this.#peer.getReadyState();
    if (state === State.OPEN) return ConnectionStatus.CONNECTED;
    return state === State.CONNECTING ? ConnectionStatus.CONNECTING : ConnectionStatus.DISCONNECTED;
  }

  setTargetPeer(id: number): void {
    this.#multiplayer?.setTargetPeer(id);
  }

  putPacket(data: Uint8Array): ErrorCode {
    return this.#multiplayer?.putPacket(data) ?? ErrorCode.ERR_UNCONFIGURED;
  }

  getAvailablePacketCount(): number {
    return this.#multiplayer?.getAvailablePacketCount() ?? 0;
  }

  getPacketPeer(): number {
    return this.#multiplayer?.getPacketPeer() ?? 0;
  }

  getPacket(): Uint8Array {
    return this.#multiplayer?.getPacket() ?? new Uint8Array(0);
  }

  #connectMultiplayer(url: string, protocols: string[], headers: string[], tls: TLSOptions | null): ErrorCode {
    const multiplayer = new WebSocketMultiplayerPeer();
    multiplayer.supportedProtocols = [...protocols];
    multiplayer.handshakeHeaders = [...headers];
    const error = multiplayer.createClient(url, tls);
    if (error !== ErrorCode.OK) return error;
    this.clearQueue();
    forwardMultiplayerSignals(multiplayer, (emission) => this.enqueue(emission as Emission<WebSocketClientSignals>));
    this.#multiplayer = multiplayer;
    return ErrorCode.OK;
  }

  #stateChanged(state: State): void {
    if (state === State.OPEN) {
      this.#established = true;
      this.enqueue(['connection_established', [this.#peer.getSelectedProtocol()]]);
    } else if (state === State.CLOSED) {
      const established = this.#established;
      this.#established = false;
      if (this.#quiet) return;
      if (established) this.enqueue(['connection_closed', [isCleanClose(this.#peer.getCloseCode())]]);
      else this.enqueue(['connection_error', []]);
    }
  }
}
