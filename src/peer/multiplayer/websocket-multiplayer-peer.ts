import { CLOSE_CODE_ABNORMAL, ErrorCode, State } from '../constants.js';
import { Signals, type Emission } from '../godot3/signals.js';
import { kNextTimer, kSetClock, kSetHooks } from '../internal.js';
import { Queue } from '../queue.js';
import { TLSOptions } from '../tls-options.js';
import { utf8ByteLength } from '../utf8.js';
import { isPeerSeconds, normalizeProtocols, parseHeaderLine } from '../validation.js';
import { WebSocketPeer } from '../websocket-peer.js';
import { type ConnectionListener, type MultiplayerBackend, platformBackend } from './backend.js';
import {
  decodeIdHandshake,
  decodeMessage,
  encodeId,
  encodeMessage,
  encodeSystemMessage,
  isClientId,
  MAX_PEER_ID,
  MessageType,
  MIN_CLIENT_ID,
  randomClientId,
  systemMessageId,
  type MultiplayerWireFormat,
} from './wire-format.js';

/** Godot's `MultiplayerPeer.ConnectionStatus`, same numbers. */
export enum ConnectionStatus {
  DISCONNECTED = 0,
  CONNECTING = 1,
  CONNECTED = 2,
}

/** Godot's `MultiplayerPeer.TARGET_PEER_*` constants, for `setTargetPeer()`. */
export enum TargetPeer {
  BROADCAST = 0,
  SERVER = 1,
}

/** The multiplayer peer's signals and their arguments (Godot's names). */
export interface MultiplayerPeerSignals {
  /** A peer joined: a client on the server; on a client, the server (1) and every other client. */
  peer_connected: [id: number];
  /** A peer left. `getPeer(id)` still answers inside the listener (as Godot emits before erasing). */
  peer_disconnected: [id: number];
  /** A packet from `from` was queued (Godot 3's `peer_packet`); read it with getPacketPeer()/getPacket(). */
  peer_packet: [from: number];
  /** Client: the server confirmed this client (after `peer_connected(1)`). */
  connection_succeeded: [];
  /** Client: the connection could not be made (refused, timed out, bad handshake). Server: the bind failed. */
  connection_failed: [];
  /** Client: an established connection to the server ended (after `peer_disconnected` for every peer). */
  server_disconnected: [];
}

/** What the driver (fromMultiplayerPeer) hears from the peer. */
export interface MultiplayerHooks {
  /** Every status the peer passes through, at the moment it happens (inside poll() or not). */
  statusChanged(status: ConnectionStatus): void;
  /** Something arrived that a poll() would show (a connection, a message, a close, a failed bind). */
  wake(): void;
}

/** One received multiplayer packet. */
export interface MultiplayerPacket {
  /** The sender's unique id (1 = the server). */
  readonly from: number;
  readonly data: Uint8Array;
  /** Whether it came as a text frame (only possible with the bare Godot 4 format). */
  readonly isString: boolean;
}

/** What drivers (fromMultiplayerPeer, tests) reach without widening the Godot-shaped surface. */
export interface MultiplayerInternals {
  /** Installs the single driver's hooks; false if another driver holds the peer. */
  setHooks(hooks: MultiplayerHooks | null): boolean;
  /** The clock for timeouts (and every connection's heartbeat), e.g. a scheduler's now(); null: the real one. */
  setClock(clock: (() => number) | null): void;
  /** When a poll is next due for a timeout or a heartbeat, on the peer's clock; Infinity if never. */
  nextTimer(): number;
  /** The next packet with its sender, in one step. */
  takePacket(): MultiplayerPacket | undefined;
}

// A WeakMap filled by the constructor rather than symbol-keyed methods: a class with
// computed method names cannot be tree-shaken, and browser apps that never use
// multiplayer must not carry it (test/browser/bundle.test.ts).
const internals = /* @__PURE__ */ new WeakMap<WebSocketMultiplayerPeer, MultiplayerInternals>();

/** Internal: the driver's access to `peer`. */
export function multiplayerInternals(peer: WebSocketMultiplayerPeer): MultiplayerInternals {
  return internals.get(peer)!;
}

interface Connection {
  ws: WebSocketPeer;
  /** 0 until the server gives it an id (server side), 1 for the client's link to the server. */
  id: number;
  /** When the connection started (clock ms): the handshake timeout counts from here. */
  since: number;
  /** When we started closing it (clock ms), or null: a close that takes longer than the timeout is forced. */
  closingSince: number | null;
}

const defaultClock = (): number => performance.now();
/** Handshakes in flight at once; more connections are refused until some finish or time out. */
const MAX_PENDING_CONNECTIONS = 1024;
const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_TRY_AGAIN_LATER = 1013;

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
 * In browsers it is a client only: `createServer` returns ERR_UNAVAILABLE there (Node
 * listens with TCPServer).
 */
export class WebSocketMultiplayerPeer extends Signals<MultiplayerPeerSignals> {
  /** Subprotocols to offer (client) or accept (server), for connections made from now on. */
  supportedProtocols: string[] = [];
  /** `"Name: value"` lines for the client request or the server's 101 response. */
  handshakeHeaders: string[] = [];
  /** True: the server takes no new clients (connections are dropped; pending handshakes end with 1013). */
  refuseNewConnections = false;

  readonly #backend: MultiplayerBackend;
  /** Holds and validates the WebSocketPeer properties copied to every new connection. */
  readonly #config = new WebSocketPeer();
  #wireFormat: MultiplayerWireFormat = 'godot3';
  #handshakeTimeout = 3;

  #status = ConnectionStatus.DISCONNECTED;
  #isServer = false;
  /** The wire format in force, taken at createServer/createClient. */
  #format: MultiplayerWireFormat = 'godot3';
  #uniqueId = 0;
  #targetPeer = 0;

  // Server side.
  #listener: ConnectionListener | null = null;
  #ready: Promise<ErrorCode> | null = null;
  #bindError: ErrorCode | null = null;
  readonly #pending = new Set<Connection>();
  /** Connected clients, in the order they joined. */
  readonly #clients = new Map<number, Connection>();
  /** Clients gone whose peer_disconnected listeners have not run yet (getPeer still answers). */
  readonly #departed = new Map<number, Connection>();
  /** Connections we closed, polled until their close handshake ends (or times out). */
  readonly #closing = new Set<Connection>();

  // Client side.
  #server: Connection | null = null;
  /** False until the first poll() after createClient: the handshake timeout counts from there. */
  #clientPolled = false;
  /** The other clients the server announced, in the order it did. */
  readonly #others = new Set<number>();

  readonly #incoming = new Queue<MultiplayerPacket>();
  #packetError = ErrorCode.OK;
  #lastWasString = false;

  #hooks: MultiplayerHooks | null = null;
  #wakePending = false;
  #polling = false;
  #clock: () => number = defaultClock;
  #clockOverride: (() => number) | null = null;

  /** @param backend internal: where connections come from (default: the platform's; tests: an in-memory network). */
  constructor(backend: MultiplayerBackend = platformBackend) {
    super();
    this.#backend = backend;
    internals.set(this, {
      setHooks: (hooks) => this.#setHooks(hooks),
      setClock: (clock) => this.#setClock(clock),
      nextTimer: () => this.#nextTimer(),
      takePacket: () => this.#takePacket(),
    });
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
    this.#reset();
    const listener = this.#backend.listen(port, bindAddress, tlsServerOptions ?? null);
    if (typeof listener === 'number') return listener;
    this.#listener = listener;
    this.#isServer = true;
    this.#format = this.#wireFormat;
    this.#uniqueId = 1;
    listener.onConnection(() => this.#wake());
    this.#ready = listener.ready().then((result) => {
      if (result !== ErrorCode.OK && this.#listener === listener) {
        this.#bindError = result;
        this.#wake();
      }
      return result;
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
    this.#reset();
    const connection = this.#newConnection(1);
    const error = this.#backend.connect(connection.ws, url, tlsClientOptions ?? null);
    if (error !== ErrorCode.OK) {
      connection.ws[kSetHooks](null);
      return error;
    }
    this.#server = connection;
    this.#clientPolled = false;
    this.#isServer = false;
    this.#format = this.#wireFormat;
    this.#setStatus(ConnectionStatus.CONNECTING);
    return ErrorCode.OK;
  }

  /** Server: OK once bound, or the bind error; ERR_UNCONFIGURED otherwise. Never rejects. (An rxpeer extra.) */
  ready(): Promise<ErrorCode> {
    return this.#ready ?? Promise.resolve(ErrorCode.ERR_UNCONFIGURED);
  }

  /** Server: the bound port once `ready()` resolved OK (useful after port 0); else 0. */
  getLocalPort(): number {
    return this.#listener?.getLocalPort() ?? 0;
  }

  /**
   * Closes everything at once, without signals: the server stops listening and closes its
   * clients (1001), a client closes its connection (1000). DISCONNECTED; unread packets are
   * dropped.
   */
  close(): void {
    if (this.#status === ConnectionStatus.DISCONNECTED && this.#listener === null) return;
    this.#listener?.stop();
    this.#listener = null;
    for (const connection of this.#pending) this.#abandon(connection, -1);
    for (const connection of this.#closing) this.#abandon(connection, -1);
    for (const connection of this.#clients.values()) this.#abandon(connection, 1001, 'Server closed');
    if (this.#server !== null) this.#abandon(this.#server, 1000);
    this.#pending.clear();
    this.#closing.clear();
    this.#clients.clear();
    this.#departed.clear();
    this.#server = null;
    this.#others.clear();
    this.clearQueue();
    this.#uniqueId = 0;
    this.#setStatus(ConnectionStatus.DISCONNECTED); // a driver still gets the packets that arrived
    this.#incoming.clear();
  }

  // ---- polling ----

  /** Accepts connections, runs handshakes, reads every connection, relays, and emits the signals. */
  poll(): void {
    this.#wakePending = false;
    if (this.#status !== ConnectionStatus.DISCONNECTED) {
      this.#polling = true;
      try {
        if (this.#isServer) this.#pollServer();
        else this.#pollClient();
      } finally {
        this.#polling = false;
      }
    }
    this.flush();
  }

  getConnectionStatus(): ConnectionStatus {
    return this.#status;
  }

  isServer(): boolean {
    return this.#isServer && this.#status !== ConnectionStatus.DISCONNECTED;
  }

  /** 1 on a server, the id the server gave a client (0 until then, and once disconnected). */
  getUniqueId(): number {
    return this.#uniqueId;
  }

  /** Ids of the peers this one knows, in the order they joined (a client counts the server, 1). */
  getPeers(): number[] {
    if (this.#isServer) return [...this.#clients.keys()];
    const server = this.#status === ConnectionStatus.CONNECTED ? [1] : [];
    return [...server, ...this.#others];
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
   * broadcast, which still goes to everyone else).
   */
  putPacket(data: Uint8Array): ErrorCode {
    if (this.#status !== ConnectionStatus.CONNECTED) return ErrorCode.ERR_UNCONFIGURED;
    if (!(data instanceof Uint8Array)) return ErrorCode.ERR_INVALID_PARAMETER;
    const target = this.#targetPeer;
    return this.#isServer ? this.#serverSend(target, data) : this.#clientSend(target, data);
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

  // ---- peers ----

  /** The connection to peer `id` (a client's only one is the server, 1), or null. */
  getPeer(id: number): WebSocketPeer | null {
    if (this.#isServer) return (this.#clients.get(id) ?? this.#departed.get(id))?.ws ?? null;
    return id === 1 ? (this.#server?.ws ?? null) : null;
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
    if (this.#isServer) {
      const connection = this.#clients.get(id);
      if (connection === undefined) return ErrorCode.ERR_DOES_NOT_EXIST;
      if (force) {
        connection.ws.close(-1);
        this.#removeClient(connection);
      } else {
        this.#startClosing(connection, 1000, '');
      }
      this.#wake(); // the next poll() tells the others and emits peer_disconnected
      return ErrorCode.OK;
    }
    const server = this.#server;
    if (id !== 1 || server === null) return ErrorCode.ERR_DOES_NOT_EXIST;
    if (force) this.close();
    else {
      this.#startClosing(server, 1000, '');
      this.#wake();
    }
    return ErrorCode.OK;
  }

  // ---- internal surface (see multiplayerInternals) ----

  #setHooks(hooks: MultiplayerHooks | null): boolean {
    if (hooks !== null && this.#hooks !== null && this.#hooks !== hooks) return false;
    this.#hooks = hooks;
    return true;
  }

  #setClock(clock: (() => number) | null): void {
    const before = this.#clock();
    this.#clockOverride = clock;
    this.#clock = clock ?? defaultClock;
    // Deadlines counted on the old clock keep the time they had left.
    const shift = this.#clock() - before;
    for (const connection of this.#connections()) {
      connection.since += shift;
      if (connection.closingSince !== null) connection.closingSince += shift;
      connection.ws[kSetClock](clock);
    }
  }

  #nextTimer(): number {
    const timeout = this.#handshakeTimeout * 1000;
    let due = Infinity;
    for (const connection of this.#pending) due = Math.min(due, connection.since + timeout);
    for (const connection of this.#closing) due = Math.min(due, (connection.closingSince ?? connection.since) + timeout);
    for (const connection of this.#clients.values()) due = Math.min(due, connection.ws[kNextTimer]());
    const server = this.#server;
    if (server !== null) {
      if (this.#status === ConnectionStatus.CONNECTING && this.#clientPolled) due = Math.min(due, server.since + timeout);
      if (server.closingSince !== null) due = Math.min(due, server.closingSince + timeout);
      due = Math.min(due, server.ws[kNextTimer]());
    }
    return due;
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

  protected override delivered([name, args]: Emission<MultiplayerPeerSignals>): void {
    // As Godot, which erases a peer after emitting peer_disconnected for it.
    if (name === 'peer_disconnected') this.#departed.delete(args[0]);
  }

  // ---- server ----

  #pollServer(): void {
    if (this.#bindError !== null) {
      this.close();
      this.enqueue(['connection_failed', []]);
      return;
    }
    // Established clients first: a flood of handshakes never delays their packets.
    for (const connection of [...this.#clients.values()]) {
      connection.ws.poll();
      this.#readFromClient(connection);
      if (connection.ws.getReadyState() !== State.OPEN && this.#clients.get(connection.id) === connection) {
        this.#removeClient(connection);
      }
    }
    this.#acceptConnections();
    const now = this.#clock();
    const timeout = this.#handshakeTimeout * 1000;
    for (const connection of [...this.#pending]) {
      if (now - connection.since >= timeout) {
        this.#pending.delete(connection);
        this.#abandon(connection, -1);
        continue;
      }
      connection.ws.poll();
      const state = connection.ws.getReadyState();
      if (state === State.OPEN) this.#admit(connection);
      else if (state !== State.CONNECTING) {
        this.#pending.delete(connection); // a failed handshake: no signal
        this.#abandon(connection, -1);
      }
    }
    this.#pollClosing(now);
  }

  #acceptConnections(): void {
    const listener = this.#listener;
    if (listener === null) return;
    for (let incoming = listener.take(); incoming !== null; incoming = listener.take()) {
      if (this.refuseNewConnections || this.#pending.size >= MAX_PENDING_CONNECTIONS) {
        incoming.refuse();
        continue;
      }
      const connection = this.#newConnection(0);
      if (incoming.accept(connection.ws) === ErrorCode.OK) this.#pending.add(connection);
      else {
        connection.ws[kSetHooks](null);
        incoming.refuse();
      }
    }
  }

  /** A handshake completed: give the client its id and introduce it (Godot 3: ID, ADD(1), ADD both ways). */
  #admit(connection: Connection): void {
    this.#pending.delete(connection);
    if (this.refuseNewConnections) {
      this.#startClosing(connection, CLOSE_TRY_AGAIN_LATER, 'Not accepting new connections');
      return;
    }
    const id = this.#newClientId();
    const { ws } = connection;
    let error: ErrorCode;
    if (this.#format === 'godot4') {
      error = ws.putPacket(encodeId(id));
    } else {
      error = ws.putPacket(encodeSystemMessage(MessageType.ID, id));
      if (error === ErrorCode.OK) error = ws.putPacket(encodeSystemMessage(MessageType.ADD, 1));
      if (error === ErrorCode.OK) {
        const added = encodeSystemMessage(MessageType.ADD, id);
        for (const other of this.#clients.values()) {
          other.ws.putPacket(added);
          ws.putPacket(encodeSystemMessage(MessageType.ADD, other.id));
        }
      }
    }
    if (error !== ErrorCode.OK) {
      this.#abandon(connection, -1); // could not even send the id: as Godot, the client is dropped
      return;
    }
    connection.id = id;
    this.#clients.set(id, connection);
    this.enqueue(['peer_connected', [id]]);
    this.#readFromClient(connection); // anything that came with the handshake
  }

  #readFromClient(connection: Connection): void {
    const { ws } = connection;
    while (ws.getAvailablePacketCount() > 0) {
      const data = ws.getPacket();
      if (connection.closingSince !== null) continue; // closing: what follows is not read
      const isString = ws.wasStringPacket();
      if (this.#format === 'godot4') this.#store(connection.id, data, isString);
      else this.#routeFromClient(connection, data);
    }
  }

  /** Godot 3 server: check a client's message, keep it if it is for the server, relay it. */
  #routeFromClient(connection: Connection, data: Uint8Array): void {
    const message = decodeMessage(data);
    if ('error' in message) return this.#startClosing(connection, CLOSE_PROTOCOL_ERROR, message.error);
    if (message.type !== MessageType.DATA) {
      return this.#startClosing(connection, CLOSE_PROTOCOL_ERROR, `Only the server sends ${MessageType[message.type]} messages`);
    }
    const sender = connection.id;
    if (message.from !== sender) {
      return this.#startClosing(connection, CLOSE_POLICY_VIOLATION, `Spoofed sender id ${message.from} (yours is ${sender})`);
    }
    const { to } = message;
    if (to === 1 || to === 0 || to < -1) this.#store(sender, message.payload, false);
    if (to === 0 || to < 0) {
      for (const other of this.#clients.values()) {
        if (other.id !== sender && other.id !== -to) other.ws.putPacket(data);
      }
    } else if (to > 1 && to !== sender) {
      // An unknown target (it may have just left) is dropped, as Godot 3 does.
      this.#clients.get(to)?.ws.putPacket(data);
    }
  }

  #serverSend(target: number, data: Uint8Array): ErrorCode {
    const message = this.#format === 'godot3' ? encodeMessage(MessageType.DATA, 1, target, data) : data;
    if (target > 0) {
      const connection = this.#clients.get(target);
      return connection === undefined ? ErrorCode.ERR_INVALID_PARAMETER : connection.ws.putPacket(message);
    }
    let result = ErrorCode.OK;
    for (const connection of this.#clients.values()) {
      if (connection.id === -target) continue;
      const error = connection.ws.putPacket(message);
      if (result === ErrorCode.OK) result = error;
    }
    return result;
  }

  /** A client left (or was dropped): tell the others (Godot 3: DEL), then peer_disconnected. */
  #removeClient(connection: Connection): void {
    const { id } = connection;
    this.#clients.delete(id);
    this.#departed.set(id, connection);
    if (this.#format === 'godot3') {
      const deleted = encodeSystemMessage(MessageType.DEL, id);
      for (const other of this.#clients.values()) other.ws.putPacket(deleted);
    }
    this.enqueue(['peer_disconnected', [id]]);
    if (connection.ws.getReadyState() === State.CLOSED) connection.ws[kSetHooks](null);
    else {
      if (connection.closingSince === null) connection.closingSince = this.#clock();
      this.#closing.add(connection);
    }
  }

  #pollClosing(now: number): void {
    const timeout = this.#handshakeTimeout * 1000;
    for (const connection of [...this.#closing]) {
      connection.ws.poll();
      if (connection.ws.getReadyState() === State.CLOSED || now - (connection.closingSince ?? connection.since) >= timeout) {
        this.#closing.delete(connection);
        this.#abandon(connection, -1);
      }
    }
  }

  #newClientId(): number {
    const isTaken = (id: number): boolean => id < MIN_CLIENT_ID || this.#clients.has(id) || this.#departed.has(id);
    return this.#backend.newId !== undefined ? this.#backend.newId(isTaken) : randomClientId(isTaken);
  }

  // ---- client ----

  #pollClient(): void {
    const server = this.#server!;
    if (!this.#clientPolled) {
      // Counted from the first poll(), so a driver's clock (virtual time) sees the whole timeout.
      this.#clientPolled = true;
      server.since = this.#clock();
    }
    const { ws } = server;
    ws.poll();
    while (ws.getAvailablePacketCount() > 0) {
      const data = ws.getPacket();
      if (server.closingSince === null) this.#readFromServer(server, data, ws.wasStringPacket());
    }
    const now = this.#clock();
    const timeout = this.#handshakeTimeout * 1000;
    const timedOut =
      (this.#status === ConnectionStatus.CONNECTING && now - server.since >= timeout) ||
      (server.closingSince !== null && now - server.closingSince >= timeout);
    if (timedOut) ws.close(-1);
    if (ws.getReadyState() === State.CLOSED) this.#serverLost();
  }

  #readFromServer(server: Connection, data: Uint8Array, isString: boolean): void {
    if (this.#format === 'godot4') {
      if (this.#status === ConnectionStatus.CONNECTED) return this.#store(1, data, isString);
      const id = decodeIdHandshake(data);
      if (typeof id !== 'number') return this.#startClosing(server, CLOSE_PROTOCOL_ERROR, id.error);
      this.#uniqueId = id;
      return this.#connected();
    }
    const message = decodeMessage(data);
    if ('error' in message) return this.#startClosing(server, CLOSE_PROTOCOL_ERROR, message.error);
    if (message.type === MessageType.DATA) return this.#store(message.from, message.payload, false);
    const id = systemMessageId(message);
    switch (message.type) {
      case MessageType.ID:
        if (!isClientId(id)) return this.#startClosing(server, CLOSE_PROTOCOL_ERROR, `Invalid ID received from server: ${id}`);
        if (this.#uniqueId !== 0) return this.#startClosing(server, CLOSE_PROTOCOL_ERROR, 'A second ID message');
        this.#uniqueId = id;
        return;
      case MessageType.ADD:
        if (id === 1) {
          if (this.#uniqueId === 0) return this.#startClosing(server, CLOSE_PROTOCOL_ERROR, 'ADD(1) came before the ID message');
          if (this.#status === ConnectionStatus.CONNECTING) this.#connected();
          return;
        }
        if (!isClientId(id) || id === this.#uniqueId) {
          return this.#startClosing(server, CLOSE_PROTOCOL_ERROR, `Invalid ADD message: peer id ${id}`);
        }
        if (!this.#others.has(id)) {
          this.#others.add(id);
          this.enqueue(['peer_connected', [id]]);
        }
        return;
      case MessageType.DEL:
        if (this.#others.delete(id)) this.enqueue(['peer_disconnected', [id]]);
        return;
    }
  }

  #connected(): void {
    this.#setStatus(ConnectionStatus.CONNECTED);
    this.enqueue(['peer_connected', [1]]);
    this.enqueue(['connection_succeeded', []]);
  }

  #clientSend(target: number, data: Uint8Array): ErrorCode {
    const server = this.#server!;
    if (target === this.#uniqueId) return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#format === 'godot4') {
      if (target > 1) return ErrorCode.ERR_INVALID_PARAMETER; // only the server is known
      return target === -1 ? ErrorCode.OK : server.ws.putPacket(data);
    }
    if (target > 1 && !this.#others.has(target)) return ErrorCode.ERR_INVALID_PARAMETER;
    return server.ws.putPacket(encodeMessage(MessageType.DATA, this.#uniqueId, target, data));
  }

  /** The connection to the server is CLOSED: every peer leaves, or the connection failed. */
  #serverLost(): void {
    const wasConnected = this.#status === ConnectionStatus.CONNECTED;
    this.#server!.ws[kSetHooks](null);
    this.#server = null;
    if (wasConnected) {
      for (const id of this.#others) this.enqueue(['peer_disconnected', [id]]);
      this.enqueue(['peer_disconnected', [1]]);
      this.enqueue(['server_disconnected', []]);
    } else {
      this.enqueue(['connection_failed', []]);
    }
    this.#others.clear();
    this.#uniqueId = 0;
    this.#setStatus(ConnectionStatus.DISCONNECTED);
  }

  // ---- shared ----

  #store(from: number, data: Uint8Array, isString: boolean): void {
    this.#incoming.push({ from, data, isString });
    this.enqueue(['peer_packet', [from]]);
  }

  /** Closes with a close frame and keeps polling the connection until it ends (or the timeout forces it). */
  #startClosing(connection: Connection, code: number, reason: string): void {
    if (connection.closingSince !== null) return;
    connection.closingSince = this.#clock();
    connection.ws.close(code, fitCloseReason(reason));
    if (this.#isServer && this.#clients.get(connection.id) !== connection) this.#closing.add(connection);
  }

  /** Forgets a connection: closes it (a code ≥ 0 with a close frame, finished by the transport alone). */
  #abandon(connection: Connection, code: number, reason = ''): void {
    connection.ws[kSetHooks](null);
    if (connection.ws.getReadyState() === State.OPEN && code >= 0) connection.ws.close(code, reason);
    else connection.ws.close(CLOSE_CODE_ABNORMAL);
  }

  #newConnection(id: number): Connection {
    const ws = new WebSocketPeer();
    ws.supportedProtocols = [...this.supportedProtocols];
    ws.handshakeHeaders = [...this.handshakeHeaders];
    ws.inboundBufferSize = this.#config.inboundBufferSize;
    ws.outboundBufferSize = this.#config.outboundBufferSize;
    ws.maxQueuedPackets = this.#config.maxQueuedPackets;
    ws.heartbeatInterval = this.#config.heartbeatInterval;
    ws[kSetClock](this.#clockOverride);
    // A state change outside our poll() (a connection dropped by hand) needs a poll() to be seen.
    ws[kSetHooks]({ stateChanged: () => this.#polling || this.#wake(), wake: () => this.#wake() });
    return { ws, id, since: this.#clock(), closingSince: null };
  }

  #configIsValid(): boolean {
    return (
      normalizeProtocols(this.supportedProtocols) !== null &&
      Array.isArray(this.handshakeHeaders) &&
      this.handshakeHeaders.every((line) => parseHeaderLine(line) !== null)
    );
  }

  *#connections(): Iterable<Connection> {
    yield* this.#pending;
    yield* this.#clients.values();
    yield* this.#closing;
    if (this.#server !== null) yield this.#server;
  }

  #reset(): void {
    this.#incoming.clear();
    this.#packetError = ErrorCode.OK;
    this.#lastWasString = false;
    this.#bindError = null;
    this.#ready = null;
    this.#uniqueId = 0;
    this.#others.clear();
    this.#departed.clear();
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

/** Close reasons are at most 123 UTF-8 bytes; ours are ASCII, cut to fit just in case. */
function fitCloseReason(reason: string): string {
  return utf8ByteLength(reason) <= 123 ? reason : reason.slice(0, 120);
}
