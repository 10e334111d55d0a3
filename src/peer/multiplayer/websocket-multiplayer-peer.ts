import type { Authorize } from '../handshake.js';
import { systemClock } from '../clock.js';
import { ErrorCode } from '../constants.js';
import { kNextTimer, kSetClock, kSetHooks, kTakePacket } from '../internal.js';
import { Queue } from '../queue.js';
import { Signals, type Emission } from '../signals.js';
import { TLSOptions } from '../tls-options.js';
import { isPeerSeconds, parseHandshakeSettings } from '../validation.js';
import { WebSocketPeer } from '../websocket-peer.js';
import { type MultiplayerBackend, platformBackend } from './backend.js';
import { ClientRole } from './client-role.js';
import {
  ConnectionStatus,
  MULTIPLAYER_PEER_SIGNAL_NAMES,
  type MultiplayerHooks,
  type MultiplayerPacket,
  type MultiplayerPeerSignals,
} from './multiplayer-types.js';
import type { RelayBus } from './relay.js';
import type { RoleHost } from './role.js';
import { ServerRole } from './server-role.js';
import { MAX_PEER_ID, type MultiplayerWireFormat } from './wire-format.js';
import { wireProtocol, type WireProtocol } from './wire-protocol.js';

export { ConnectionStatus, TargetPeer, type MultiplayerPacket, type MultiplayerPeerSignals } from './multiplayer-types.js';


/**
 * Godot 4's `WebSocketMultiplayerPeer`: one server and its clients, with unique ids,
 * targeted and broadcast packets and join/leave signals, driven by `poll()`.
 *
 * It speaks Godot 3's multiplayer wire protocol by default (`wireFormat = 'godot3'`: a
 * 9-byte header on every message, the server relaying between clients), so rxpeer
 * servers and clients interoperate with Godot 3 games; `wireFormat = 'godot4'` is Godot
 * 4's bare format (a 4-byte id handshake, then raw packets, no relay) for talking to a
 * Godot 4 server. Signals are events (`on('peer_connected', …)`), delivered only inside
 * `poll()`. Methods return an {@link ErrorCode} and never throw.
 *
 * Delivery is at most once: a data packet that a connection cannot take (its outbound
 * limits are full, or its target just left) is dropped, counted by
 * `getDroppedPacketCount()` and reported by the `packets_dropped` signal. The server's
 * control messages (a client's id, joins and leaves) are never dropped.
 *
 * In browsers it is a client only: `createServer` returns ERR_UNAVAILABLE there (Node
 * listens with TCPServer). With a `bus` a server is one node of a cluster (see relay.ts).
 */
export class WebSocketMultiplayerPeer extends Signals<MultiplayerPeerSignals> {
  /** Subprotocols to offer (client) or accept (server), for connections made from now on. */
  supportedProtocols: string[] = [];
  /** `"Name: value"` lines for the client request or the server's 101 response. */
  handshakeHeaders: string[] = [];
  /** True: the server takes no new clients (connections are dropped; pending handshakes end with 1013). */
  refuseNewConnections = false;
  /**
   * Server side: who may connect, as `WebSocketPeer.authorize` (run inside `poll()`; a
   * refused client gets that HTTP status and never gets an id). null: everyone (Godot's behaviour).
   * A client's request, headers included: `getPeer(id).getUpgradeRequest()`.
   */
  authorize: Authorize | null = null;

  readonly #backend: MultiplayerBackend;
  /** Holds and validates the WebSocketPeer properties copied to every new connection. */
  readonly #config = new WebSocketPeer();
  #wireFormat: MultiplayerWireFormat = 'godot3';
  #handshakeTimeout = 3;
  #bus: RelayBus | null = null;

  #status = ConnectionStatus.DISCONNECTED;
  #role: ServerRole | ClientRole | null = null;
  #targetPeer = 0;
  #dropped = 0;
  #droppedUnreported = 0;

  readonly #incoming = new Queue<MultiplayerPacket>();
  #packetError = ErrorCode.OK;
  #lastWasString = false;

  #hooks: MultiplayerHooks | null = null;
  #wakePending = false;
  #polling = false;
  #clock: () => number = systemClock;
  #clockOverride: (() => number) | null = null;

  /** @internal `backend`: where connections come from (default: the platform's; tests: an in-memory network). */
  constructor(backend: MultiplayerBackend = platformBackend) {
    super(MULTIPLAYER_PEER_SIGNAL_NAMES);
    this.#backend = backend;
    const internals = this as Record<symbol, unknown>;
    internals[kSetHooks] = (hooks: MultiplayerHooks | null) => this.#setHooks(hooks);
    internals[kSetClock] = (clock: (() => number) | null) => this.#setClock(clock);
    internals[kNextTimer] = () => this.#role?.nextTimer() ?? Infinity;
    internals[kTakePacket] = () => this.#takePacket();
  }

  // ---- properties copied to the WebSocketPeer of every new connection ----

  get inboundBufferSize(): number {
    return this.#config.inboundBufferSize;
  }
  set inboundBufferSize(value: number) {
    this.#config.inboundBufferSize = value;
  }

  get outboundBufferSize(): number {
    return this.#config.outboundBufferSize;
  }
  set outboundBufferSize(value: number) {
    this.#config.outboundBufferSize = value;
  }

  get maxQueuedPackets(): number {
    return this.#config.maxQueuedPackets;
  }
  set maxQueuedPackets(value: number) {
    this.#config.maxQueuedPackets = value;
  }

  get heartbeatInterval(): number {
    return this.#config.heartbeatInterval;
  }
  set heartbeatInterval(value: number) {
    this.#config.heartbeatInterval = value;
  }

  /** Seconds a connection has to complete its handshake (default 3). Ignored unless > 0. */
  get handshakeTimeout(): number {
    return this.#handshakeTimeout;
  }
  set handshakeTimeout(seconds: number) {
    if (isPeerSeconds(seconds) && seconds > 0) this.#handshakeTimeout = seconds; // at most MAX_PEER_SECONDS: a timer can't wait longer
  }

  /** 'godot3' (the default: header, relay) or 'godot4' (bare). Taken by createServer/createClient. */
  get wireFormat(): MultiplayerWireFormat {
    return this.#wireFormat;
  }
  set wireFormat(format: MultiplayerWireFormat) {
    if (format === 'godot3' || format === 'godot4') this.#wireFormat = format;
  }

  /**
   * The relay bus that makes this server one node of a cluster (`redisBus()` from
   * `rxpeer/redis`, or an in-process bus): ids unique across the cluster, every client of
   * every node announced to every client, packets relayed and broadcast across nodes.
   * Taken by createServer(); null (the default): this server alone. Ignored unless a bus.
   */
  get bus(): RelayBus | null {
    return this.#bus;
  }
  set bus(bus: RelayBus | null) {
    if (bus === null || (typeof bus === 'object' && typeof (bus as Partial<RelayBus>).join === 'function')) this.#bus = bus;
  }

  // ---- set-up ----

  /**
   * Listens on `port` (0 = any free port, see `getLocalPort()`) at `bindAddress` ("*" or an
   * IP); wss:// with `TLSOptions.server(key, cert)`. Unique id 1, CONNECTED at once.
   * ERR_ALREADY_IN_USE unless DISCONNECTED; ERR_INVALID_PARAMETER for a bad port, address,
   * TLS options, protocol or header; ERR_UNAVAILABLE where no server can run (browsers).
   * The bind completes later (Node): `ready()` tells how it went; a failed bind ends in
   * DISCONNECTED and `connection_failed` at the next poll().
   */
  createServer(port: number, bindAddress = '*', tlsServerOptions: TLSOptions | null = null): ErrorCode {
    if (this.#status !== ConnectionStatus.DISCONNECTED) return ErrorCode.ERR_ALREADY_IN_USE;
    if (tlsServerOptions != null && !(tlsServerOptions instanceof TLSOptions && tlsServerOptions.isServer())) {
      return ErrorCode.ERR_INVALID_PARAMETER;
    }
    if (!this.#configIsValid()) return ErrorCode.ERR_INVALID_PARAMETER;
    const listener = this.#backend.listen(port, bindAddress, tlsServerOptions ?? null);
    if (typeof listener === 'number') return listener;
    this.#reset();
    this.#role = new ServerRole(this.#roleHost(), {
      listener,
      bus: this.#bus,
      newId: this.#backend.newId?.bind(this.#backend),
      refuseNewConnections: () => this.refuseNewConnections,
    });
    this.#setStatus(ConnectionStatus.CONNECTED);
    return ErrorCode.OK;
  }

  /**
   * Connects to a server at a ws:// or wss:// URL (`TLSOptions.client…` for wss). CONNECTING
   * until the server gives this client its id: then CONNECTED, `peer_connected(1)` and
   * `connection_succeeded`. ERR_ALREADY_IN_USE unless DISCONNECTED; ERR_INVALID_PARAMETER
   * for a bad URL, server TLS options, protocol or header.
   */
  createClient(url: string, tlsClientOptions: TLSOptions | null = null): ErrorCode {
    if (this.#status !== ConnectionStatus.DISCONNECTED) return ErrorCode.ERR_ALREADY_IN_USE;
    if (tlsClientOptions != null && !(tlsClientOptions instanceof TLSOptions && !tlsClientOptions.isServer())) {
      return ErrorCode.ERR_INVALID_PARAMETER;
    }
    if (!this.#configIsValid()) return ErrorCode.ERR_INVALID_PARAMETER;
    const host = this.#roleHost();
    const ws = host.newPeer();
    const error = this.#backend.connect(ws, url, tlsClientOptions ?? null);
    if (error !== ErrorCode.OK) {
      host.release(ws);
      return error;
    }
    this.#reset();
    this.#role = new ClientRole(host, ws);
    this.#setStatus(ConnectionStatus.CONNECTING);
    return ErrorCode.OK;
  }

  /** Server: OK once bound, or the bind error; ERR_UNCONFIGURED otherwise. Never rejects. (An rxpeer extra.) */
  ready(): Promise<ErrorCode> {
    return this.#role instanceof ServerRole ? this.#role.ready() : Promise.resolve(ErrorCode.ERR_UNCONFIGURED);
  }

  /** Server: the bound port once `ready()` resolved OK (useful after port 0); else 0. */
  getLocalPort(): number {
    return this.#role instanceof ServerRole ? this.#role.getLocalPort() : 0;
  }

  /**
   * Closes everything at once, without signals: the server stops listening and closes its
   * clients (1001), a client closes its connection (1000). DISCONNECTED; unread packets are
   * dropped.
   */
  close(): void {
    const role = this.#role;
    this.#role = null;
    role?.close();
    this.clearQueue();
    this.#setStatus(ConnectionStatus.DISCONNECTED); // a driver still gets the packets that arrived
    this.#incoming.clear();
  }

  // ---- polling ----

  /** Accepts connections, runs handshakes, reads every connection, relays, and emits the signals. */
  poll(): void {
    this.#wakePending = false;
    const role = this.#role;
    if (role !== null) {
      if (role instanceof ServerRole && role.failed()) {
        this.close();
        this.enqueue(['connection_failed', []]);
      } else {
        this.#polling = true;
        try {
          role.poll();
        } finally {
          this.#polling = false;
        }
      }
    }
    if (this.#droppedUnreported > 0) {
      this.enqueue(['packets_dropped', [this.#droppedUnreported]]);
      this.#droppedUnreported = 0;
    }
    this.flush();
  }

  getConnectionStatus(): ConnectionStatus {
    return this.#status;
  }

  isServer(): boolean {
    return this.#role instanceof ServerRole;
  }

  /** 1 on a server, the id the server gave a client (0 until then, and once disconnected). */
  getUniqueId(): number {
    const role = this.#role;
    return role instanceof ServerRole ? 1 : (role?.uniqueId ?? 0);
  }

  /** Ids of the peers this one knows, in the order they joined (a client counts the server, 1). */
  getPeers(): number[] {
    return this.#role?.peers() ?? [];
  }

  // ---- packets ----

  /** Where putPacket() sends: > 0 that peer, 0 every peer, < 0 every peer but −id. */
  setTargetPeer(id: number): void {
    if (Number.isInteger(id) && Math.abs(id) <= MAX_PEER_ID) this.#targetPeer = id;
  }

  getTargetPeer(): number {
    return this.#targetPeer;
  }

  /**
   * Sends `data` (one binary message) to the target peer. ERR_UNCONFIGURED unless CONNECTED;
   * ERR_INVALID_PARAMETER for an unknown target (or this peer itself) or data that is not
   * a Uint8Array; else what the connection's putPacket returned (the first error, for a
   * broadcast, which still goes to everyone else; every copy not sent is counted in
   * `getDroppedPacketCount()`).
   */
  putPacket(data: Uint8Array): ErrorCode {
    if (this.#status !== ConnectionStatus.CONNECTED) return ErrorCode.ERR_UNCONFIGURED;
    if (!(data instanceof Uint8Array)) return ErrorCode.ERR_INVALID_PARAMETER;
    return this.#role!.send(this.#targetPeer, data);
  }

  getAvailablePacketCount(): number {
    return this.#incoming.length;
  }

  /** Sender of the next packet getPacket() returns; 0 when there is none (Godot returns 1 with an error). */
  getPacketPeer(): number {
    return this.#incoming.at(0)?.from ?? 0;
  }

  /**
   * The oldest packet, or an empty array with `getPacketError()` = ERR_UNAVAILABLE. Packets
   * stay readable after the connection ends, until read or until the peer is reused.
   */
  getPacket(): Uint8Array {
    return this.#takePacket()?.data ?? new Uint8Array(0);
  }

  getPacketError(): ErrorCode {
    return this.#packetError;
  }

  /** Whether the last packet read came as a text frame (bare Godot 4 format only). */
  wasStringPacket(): boolean {
    return this.#lastWasString;
  }

  /**
   * Data packets this peer could not hand to a connection since createServer/createClient:
   * relayed or broadcast copies refused by a client's full outbound limits, packets for a
   * client that had just left, and what a relay bus reported lost. (An rxpeer extra.)
   */
  getDroppedPacketCount(): number {
    return this.#dropped;
  }

  // ---- peers ----

  /** The connection to peer `id` (a client's only one is the server, 1), or null; null for another node's clients. */
  getPeer(id: number): WebSocketPeer | null {
    return this.#role?.getPeer(id) ?? null;
  }

  getPeerAddress(id: number): string {
    return this.getPeer(id)?.getConnectedHost() ?? '';
  }

  getPeerPort(id: number): number {
    return this.getPeer(id)?.getConnectedPort() ?? 0;
  }

  /**
   * Server: closes client `id` with 1000 (it leaves at a later poll()); `force` drops it at
   * once: `peer_disconnected` at the next poll(), the others told now. Client: `id` 1 closes
   * the connection to the server (`force`: at once, without signals, as Godot).
   * ERR_DOES_NOT_EXIST for an id that is not connected here.
   */
  disconnectPeer(id: number, force = false): ErrorCode {
    const role = this.#role;
    if (role === null) return ErrorCode.ERR_DOES_NOT_EXIST;
    if (role instanceof ClientRole && force) {
      if (id !== 1) return ErrorCode.ERR_DOES_NOT_EXIST;
      this.close();
      return ErrorCode.OK;
    }
    return role.disconnectPeer(id, force);
  }

  // ---- internal surface: the driver's (fromMultiplayerPeer), through the symbols of internal.ts ----
  // Declared here and set by the constructor, not written as methods: a class body with
  // computed keys cannot be tree-shaken, and browser apps that never use multiplayer must
  // not carry it (test/browser/bundle.test.ts).

  /** @internal Installs the single driver's hooks; false if another driver holds the peer. */
  declare readonly [kSetHooks]: (hooks: MultiplayerHooks | null) => boolean;
  /** @internal The clock for timeouts (and every connection's heartbeat), e.g. a scheduler's now(); null: the real one. */
  declare readonly [kSetClock]: (clock: (() => number) | null) => void;
  /** @internal When a poll is next due for a timeout or a heartbeat, on the peer's clock; Infinity if never. */
  declare readonly [kNextTimer]: () => number;
  /** @internal The next packet with its sender, in one step. */
  declare readonly [kTakePacket]: () => MultiplayerPacket | undefined;

  #setHooks(hooks: MultiplayerHooks | null): boolean {
    if (hooks !== null && this.#hooks !== null && this.#hooks !== hooks) return false;
    this.#hooks = hooks;
    return true;
  }

  #setClock(clock: (() => number) | null): void {
    const before = this.#clock();
    this.#clockOverride = clock;
    this.#clock = clock ?? systemClock;
    // Deadlines counted on the old clock keep the time they had left.
    const shift = this.#clock() - before;
    for (const connection of this.#role?.connections() ?? []) {
      connection.deadline += shift;
      connection.ws[kSetClock](clock);
    }
  }

  #takePacket(): MultiplayerPacket | undefined {
    const packet = this.#incoming.shift();
    if (packet === undefined) {
      this.#packetError = ErrorCode.ERR_UNAVAILABLE;
      return undefined;
    }
    this.#packetError = ErrorCode.OK;
    this.#lastWasString = packet.isString;
    return packet;
  }

  protected override delivered(emission: Emission<MultiplayerPeerSignals>): void {
    if (this.#role instanceof ServerRole) this.#role.delivered(emission);
  }

  // ---- what the roles get ----

  #roleHost(): RoleHost {
    const protocol: WireProtocol = wireProtocol(this.#wireFormat);
    return {
      protocol,
      now: () => this.#clock(),
      timeoutMs: () => this.#handshakeTimeout * 1000,
      newPeer: () => this.#newPeer(),
      release: (ws) => ws[kSetHooks](null),
      store: (from, data, isString) => {
        this.#incoming.push({ from, data, isString });
        this.enqueue(['peer_packet', [from]]);
      },
      emit: (emission) => this.enqueue(emission),
      setStatus: (status) => {
        if (status === ConnectionStatus.DISCONNECTED) this.#role = null;
        this.#setStatus(status);
      },
      dropped: (count) => {
        this.#dropped += count;
        this.#droppedUnreported += count;
        if (!this.#polling) this.#wake();
      },
      wake: () => this.#wake(),
    };
  }

  #newPeer(): WebSocketPeer {
    const ws = new WebSocketPeer();
    ws.supportedProtocols = [...this.supportedProtocols];
    ws.handshakeHeaders = [...this.handshakeHeaders];
    ws.authorize = this.authorize; // used by server-side connections only
    ws.inboundBufferSize = this.#config.inboundBufferSize;
    ws.outboundBufferSize = this.#config.outboundBufferSize;
    ws.maxQueuedPackets = this.#config.maxQueuedPackets;
    ws.heartbeatInterval = this.#config.heartbeatInterval;
    ws[kSetClock](this.#clockOverride);
    // A state change outside our poll() (a connection dropped by hand) needs a poll() to be seen.
    ws[kSetHooks]({ stateChanged: () => this.#polling || this.#wake(), wake: () => this.#wake() });
    return ws;
  }

  #configIsValid(): boolean {
    return parseHandshakeSettings(this.supportedProtocols, this.handshakeHeaders) !== null;
  }

  #reset(): void {
    this.#incoming.clear();
    this.#packetError = ErrorCode.OK;
    this.#lastWasString = false;
    this.#dropped = 0;
    this.#droppedUnreported = 0;
    this.clearQueue();
  }

  #wake(): void {
    if (this.#wakePending) return;
    this.#wakePending = true;
    this.#hooks?.wake();
  }

  #setStatus(status: ConnectionStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#hooks?.statusChanged(status);
  }
}
