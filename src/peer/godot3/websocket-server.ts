import { systemClock } from '../clock.js';
import { ErrorCode, isCleanClose, State } from '../constants.js';
import type { Authorize, UpgradeRequest } from '../handshake.js';
import { kSetHooks, type PeerHooks } from '../internal.js';
import { ConnectionStatus, WebSocketMultiplayerPeer } from '../multiplayer/websocket-multiplayer-peer.js';
import { randomClientId } from '../multiplayer/wire-format.js';
import type { ConnectionListener } from '../listener.js';
import { isUsableServerTls } from '../node/stream-peer.js';
import { listenTcp } from '../node/tcp-listener.js';
import { TLSOptions } from '../tls-options.js';
import { isPeerSeconds, normalizeProtocols, parseHeaderLine } from '../validation.js';
import { WebSocketPeer } from '../websocket-peer.js';
import { forwardMultiplayerSignals, MULTIPLAYER_SIGNAL_NAMES, type MultiplayerBridgeSignals } from './multiplayer-bridge.js';
import { Signals, type Emission } from '../signals.js';

/** Godot 3's WebSocketServer signals and their arguments (`peer_*` with `gdMpApi` only). */
export interface WebSocketServerSignals extends Pick<MultiplayerBridgeSignals, 'peer_connected' | 'peer_disconnected' | 'peer_packet'> {
  /** A client completed its handshake and got `id`; `protocol` is the selected subprotocol. */
  client_connected: [id: number, protocol: string];
  /** A connected client is gone; clean when it sent a close frame. `getPeer(id)` still works here. */
  client_disconnected: [id: number, wasClean: boolean];
  /** The client sent the first close frame (answered automatically). */
  client_close_request: [id: number, code: number, reason: string];
  /** One message from `id` arrived; read it with `getPeer(id).getPacket()`. */
  data_received: [id: number];
}

interface Connection {
  peer: WebSocketPeer;
  /** 0 until the handshake completes. */
  id: number;
  /** When the connection was taken from the TCP server, on the server's clock (ms). */
  since: number;
}


/**
 * Godot 3's `WebSocketServer` on a TCP listener (TCPServer, TLS included) and {@link WebSocketPeer}
 * (Node only). Signals are events (`on('client_connected', …)`), delivered only inside
 * `poll()`, which also accepts connections and runs their handshakes.
 *
 * - Ids are random integers in [2, 2³¹ − 1], unique among connected clients, given when
 *   the handshake completes (as Godot 3 does).
 * - A client that has not completed its handshake `handshakeTimeout` seconds after
 *   `poll()` took its connection is dropped, without any signal; so is a failed handshake.
 * - `listen()` checks its arguments synchronously; the bind itself completes later
 *   (Node binds asynchronously). A port in use shows as `ready()` resolving
 *   ERR_ALREADY_IN_USE, and `isListening()` staying false.
 * - `gdMpApi = true` runs Godot 3's multiplayer wire protocol (a {@link WebSocketMultiplayerPeer}
 *   underneath): then, as in Godot 3, the server is a NetworkedMultiplayerPeer (`setTargetPeer`,
 *   `putPacket`, `getPacket`, `getPacketPeer`, …) and emits `peer_connected`, `peer_disconnected`
 *   and `peer_packet` instead of `client_connected`, `client_disconnected` and `data_received`.
 */
export class WebSocketServer extends Signals<WebSocketServerSignals> {
  /** Address to listen on: "*" (every interface) or an IP address. */
  bindIp = '*';
  /** PEM private key; with `sslCertificate` the server speaks wss://. */
  privateKey: string | Uint8Array | null = null;
  /** PEM certificate chain; with `privateKey` the server speaks wss://. */
  sslCertificate: string | Uint8Array | null = null;
  /**
   * Who may connect, as `WebSocketPeer.authorize`, for clients accepted from now on: run
   * inside `poll()` when a request arrives; a refused client gets that HTTP status and no
   * signal. null (the default): everyone, as in Godot 3. Headers: `getPeerRequest(id)`.
   */
  get authorize(): Authorize | null {
    return this.#authorize;
  }
  set authorize(hook: Authorize | null) {
    this.#authorize = hook;
    if (this.#multiplayer !== null) this.#multiplayer.authorize = hook;
  }
  #authorize: Authorize | null = null;

  #handshakeTimeout = 3;
  #extraHeaders: string[] = [];
  #protocols: string[] = [];
  #listener: ConnectionListener | null = null;
  #listening = false;
  #ready: Promise<ErrorCode> | null = null;
  readonly #pending = new Set<Connection>();
  readonly #peers = new Map<number, Connection>();
  readonly #clock: () => number = systemClock;
  /** With gdMpApi: the multiplayer peer doing the work. */
  #multiplayer: WebSocketMultiplayerPeer | null = null;
  /** gdMpApi: peers gone whose peer_disconnected listeners have not run yet (getPeer still answers). */
  readonly #departed = new Map<number, WebSocketPeer>();

  constructor() {
    super([
      'client_connected',
      'client_disconnected',
      'client_close_request',
      'data_received',
      // As in Godot 3, the server is a NetworkedMultiplayerPeer: it has all of its signals.
      ...(MULTIPLAYER_SIGNAL_NAMES as (keyof WebSocketServerSignals)[]),
    ]);
  }

  /** Seconds a client has to complete its handshake (default 3). Ignored unless > 0 and ≤ MAX_PEER_SECONDS. */
  get handshakeTimeout(): number {
    return this.#handshakeTimeout;
  }
  set handshakeTimeout(seconds: number) {
    if (isPeerSeconds(seconds) && seconds > 0) this.#handshakeTimeout = seconds;
  }

  /**
   * `"Name: value"` lines added to the handshake response of clients that connect from now
   * on. ERR_INVALID_PARAMETER (and nothing changes) when a line is not a valid header.
   */
  setExtraHeaders(headers: string[]): ErrorCode {
    if (!Array.isArray(headers) || headers.some((line) => parseHeaderLine(line) === null)) {
      return ErrorCode.ERR_INVALID_PARAMETER;
    }
    this.#extraHeaders = [...headers];
    return ErrorCode.OK;
  }

  /**
   * Starts listening on `port` (0 = any free port, see `getLocalPort()`) at `bindIp`,
   * accepting clients that offer one of `protocols` (or none, when `protocols` is empty).
   * ERR_INVALID_PARAMETER for a bad port, address, protocol list, or an unusable or
   * half-configured TLS key/certificate; ERR_ALREADY_IN_USE when already listening.
   * `gdMpApi`: Godot 3's multiplayer wire protocol. See `ready()` for the outcome of the bind.
   */
  listen(port: number, protocols: string[] = [], gdMpApi = false): ErrorCode {
    if (this.#listener !== null || this.#multiplayer !== null) return ErrorCode.ERR_ALREADY_IN_USE;
    const normalized = normalizeProtocols(protocols);
    if (normalized === null) return ErrorCode.ERR_INVALID_PARAMETER;
    let tls: TLSOptions | null = null;
    if (this.privateKey !== null || this.sslCertificate !== null) {
      // Godot 3 silently serves plain ws:// when only one is set; a half-done TLS set-up is refused here.
      if (this.privateKey === null || this.sslCertificate === null) return ErrorCode.ERR_INVALID_PARAMETER;
      try {
        tls = TLSOptions.server(this.privateKey, this.sslCertificate);
      } catch {
        return ErrorCode.ERR_INVALID_PARAMETER; // not PEM text
      }
      if (!isUsableServerTls(tls)) return ErrorCode.ERR_INVALID_PARAMETER;
    }
    if (gdMpApi) return this.#listenMultiplayer(port, normalized, tls);
    const listener = listenTcp(port, this.bindIp, tls);
    if (typeof listener === 'number') return listener;
    this.#listener = listener;
    this.#protocols = normalized;
    this.#ready = listener.ready().then((result) => {
      if (this.#listener === listener) {
        this.#listening = result === ErrorCode.OK;
        if (!this.#listening) this.#listener = null; // free for another listen()
      }
      return result;
    });
    return ErrorCode.OK;
  }

  /**
   * OK once bound, or the bind error (ERR_ALREADY_IN_USE for a port in use, ...);
   * ERR_UNCONFIGURED without a listen() or after stop(). Never rejects. (Not in Godot 3,
   * whose bind is synchronous.)
   */
  ready(): Promise<ErrorCode> {
    return this.#multiplayer?.ready() ?? this.#ready ?? Promise.resolve(ErrorCode.ERR_UNCONFIGURED);
  }

  /** The bound port, once `ready()` resolved OK; 0 otherwise. */
  getLocalPort(): number {
    return this.#multiplayer?.getLocalPort() ?? this.#listener?.getLocalPort() ?? 0;
  }

  isListening(): boolean {
    if (this.#multiplayer !== null) return this.#multiplayer.getLocalPort() > 0;
    return this.#listening;
  }

  /** Stops listening and drops every client at once, without close frames or signals (as Godot 3). */
  stop(): void {
    if (this.#multiplayer !== null) {
      this.#multiplayer.close();
      this.#multiplayer = null;
      this.#departed.clear();
      this.clearQueue();
      return;
    }
    this.#listener?.stop();
    this.#listener = null;
    this.#listening = false;
    this.#ready = null;
    for (const connection of [...this.#pending, ...this.#peers.values()]) {
      connection.peer[kSetHooks](null);
      connection.peer.close(-1);
    }
    this.#pending.clear();
    this.#peers.clear();
    this.clearQueue();
  }

  /** Polls every client, accepts and handshakes new ones, and emits the signals. */
  poll(): void {
    if (this.#multiplayer !== null) {
      this.#multiplayer.poll();
      this.flush();
      return;
    }
    for (const connection of [...this.#peers.values()]) connection.peer.poll();
    this.#acceptConnections();
    const now = this.#clock();
    for (const connection of [...this.#pending]) {
      if (now - connection.since > this.#handshakeTimeout * 1000) this.#drop(connection);
      else connection.peer.poll();
    }
    this.flush();
  }

  hasPeer(id: number): boolean {
    return this.getPeer(id) !== null;
  }

  /** The connected client's peer, or null. */
  getPeer(id: number): WebSocketPeer | null {
    if (this.#multiplayer !== null) return this.#multiplayer.getPeer(id) ?? this.#departed.get(id) ?? null;
    return this.#peers.get(id)?.peer ?? null;
  }

  getPeerAddress(id: number): string {
    return this.getPeer(id)?.getConnectedHost() ?? '';
  }

  getPeerPort(id: number): number {
    return this.getPeer(id)?.getConnectedPort() ?? 0;
  }

  /** The handshake request of client `id` (URL, lower-case headers, address, subprotocols), or null. */
  getPeerRequest(id: number): UpgradeRequest | null {
    return this.getPeer(id)?.getUpgradeRequest() ?? null;
  }

  // ---- NetworkedMultiplayerPeer (gdMpApi; otherwise ERR_UNCONFIGURED / nothing, as Godot 3) ----

  /** 1: the server. */
  getUniqueId(): number {
    return 1;
  }

  getConnectionStatus(): ConnectionStatus {
    return this.isListening() ? ConnectionStatus.CONNECTED : ConnectionStatus.DISCONNECTED;
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

  /** Godot 3's `refuse_new_connections`. */
  get refuseNewConnections(): boolean {
    return this.#multiplayer?.refuseNewConnections ?? this.#refusing;
  }
  set refuseNewConnections(refuse: boolean) {
    this.#refusing = Boolean(refuse);
    if (this.#multiplayer !== null) this.#multiplayer.refuseNewConnections = this.#refusing;
  }
  #refusing = false;

  /**
   * Closes client `id` with a close frame (`client_disconnected` follows in a later poll());
   * a negative code drops it at once. ERR_DOES_NOT_EXIST for an unknown id, else what
   * `WebSocketPeer.close()` returns.
   */
  disconnectPeer(id: number, code = 1000, reason = ''): ErrorCode {
    const peer = this.#multiplayer?.getPeer(id) ?? this.#peers.get(id)?.peer;
    return peer === undefined || peer === null ? ErrorCode.ERR_DOES_NOT_EXIST : peer.close(code, reason);
  }

  protected override delivered([name, args]: Emission<WebSocketServerSignals>): void {
    // Godot 3 keeps the peer until its client_disconnected listeners have run.
    if (name === 'client_disconnected') this.#peers.delete(args[0]);
    if (name === 'peer_disconnected') this.#departed.delete(args[0]);
  }

  #listenMultiplayer(port: number, protocols: string[], tls: TLSOptions | null): ErrorCode {
    const multiplayer = new WebSocketMultiplayerPeer();
    multiplayer.supportedProtocols = protocols;
    multiplayer.handshakeHeaders = this.#extraHeaders;
    multiplayer.handshakeTimeout = this.#handshakeTimeout;
    multiplayer.refuseNewConnections = this.#refusing;
    multiplayer.authorize = this.authorize;
    const error = multiplayer.createServer(port, this.bindIp, tls);
    if (error !== ErrorCode.OK) return error;
    forwardMultiplayerSignals(multiplayer, (emission) => {
      if (emission[0] === 'peer_disconnected') {
        const peer = multiplayer.getPeer(emission[1][0]);
        if (peer !== null) this.#departed.set(emission[1][0], peer);
      }
      if (emission[0] !== 'connection_failed') this.enqueue(emission as Emission<WebSocketServerSignals>);
    });
    this.#multiplayer = multiplayer;
    return ErrorCode.OK;
  }

  #acceptConnections(): void {
    const listener = this.#listener;
    if (listener === null) return;
    for (let incoming = listener.take(); incoming !== null; incoming = listener.take()) {
      const connection: Connection = { peer: new WebSocketPeer(), id: 0, since: this.#clock() };
      const { peer } = connection;
      peer.supportedProtocols = this.#protocols;
      peer.handshakeHeaders = this.#extraHeaders;
      peer.authorize = this.authorize;
      peer[kSetHooks](this.#hooksFor(connection));
      if (incoming.accept(peer) === ErrorCode.OK) this.#pending.add(connection);
      else incoming.refuse();
    }
  }

  #hooksFor(connection: Connection): PeerHooks {
    return {
      stateChanged: (state) => {
        if (state === State.OPEN) {
          this.#pending.delete(connection);
          connection.id = this.#newId();
          this.#peers.set(connection.id, connection);
          this.enqueue(['client_connected', [connection.id, connection.peer.getSelectedProtocol()]]);
        } else if (state === State.CLOSED) {
          if (connection.id === 0) return void this.#pending.delete(connection); // failed handshake: no signal
          this.enqueue(['client_disconnected', [connection.id, isCleanClose(connection.peer.getCloseCode())]]);
        }
      },
      wake: () => {},
      // The peer reports packets and the close request in wire order, inside poll().
      closeRequested: (code, reason) => this.enqueue(['client_close_request', [connection.id, code, reason]]),
      packetReady: () => this.enqueue(['data_received', [connection.id]]),
    };
  }


  #drop(connection: Connection): void {
    this.#pending.delete(connection);
    connection.peer[kSetHooks](null);
    connection.peer.close(-1);
  }

  #newId(): number {
    return randomClientId((id) => this.#peers.has(id));
  }
}
