// The server side of a multiplayer peer: accepts connections, runs their handshakes within
// the timeout, gives each client a unique id, announces joins and leaves, and relays packets
// between clients (Godot 3's format) through the relay seam when the server is one node of
// a cluster (relay.ts). A control message (ID, ADD, DEL) is never dropped: it goes past the
// outbound limits, since a lost one would leave a client's peer list wrong for good. A data
// packet that a connection refuses (its outbound limits are full) is dropped and counted.
import { ErrorCode, State } from '../constants.js';
import { kNextTimer, kSendUnlimited } from '../internal.js';
import type { ConnectionListener } from '../listener.js';
import { Queue } from '../queue.js';
import type { Emission } from '../signals.js';
import type { WebSocketPeer } from '../websocket-peer.js';
import { abandon, type Connection, LinkState, startClosing } from './connection.js';
import type { MultiplayerPeerSignals } from './multiplayer-types.js';
import type { RelayBus, RelayLink, RelayNode } from './relay.js';
import type { Role, RoleHost } from './role.js';
import { MIN_CLIENT_ID, randomClientId } from './wire-format.js';

/** Handshakes in flight at once; more connections are refused until some finish or time out. */
const MAX_PENDING_CONNECTIONS = 1024;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_TRY_AGAIN_LATER = 1013;

/** What the rest of the cluster reported, applied at the next poll(). */
type RemoteEvent =
  | { readonly kind: 'joined' | 'left'; readonly id: number }
  | { readonly kind: 'packet'; readonly from: number; readonly to: number; readonly payload: Uint8Array }
  | { readonly kind: 'dropped'; readonly count: number };

export interface ServerSetup {
  listener: ConnectionListener;
  bus: RelayBus | null;
  /** Where ids come from without a bus (default: random, as Godot). */
  newId: ((isTaken: (id: number) => boolean) => number) | undefined;
  refuseNewConnections(): boolean;
}

export class ServerRole implements Role {
  readonly #host: RoleHost;
  readonly #setup: ServerSetup;
  readonly #link: RelayLink | null;
  readonly #ready: Promise<ErrorCode>;
  #failure: ErrorCode | null = null;

  /** Every peer of the cluster, in join order: a client here (its connection) or on another node (null). */
  readonly #peers = new Map<number, Connection | null>();
  /** Connections without an id (HANDSHAKING) or no longer joined (CLOSING). */
  readonly #unjoined = new Set<Connection>();
  #handshakes = 0;
  /** Peers gone whose peer_disconnected listeners have not run yet: getPeer() still answers. */
  readonly #departed = new Map<number, Connection | null>();
  readonly #remote = new Queue<RemoteEvent>();

  constructor(host: RoleHost, setup: ServerSetup) {
    this.#host = host;
    this.#setup = setup;
    const { listener, bus } = setup;
    listener.onConnection(() => host.wake());
    this.#link = bus === null ? null : bus.join(this.#relayNode());
    const link = this.#link;
    this.#ready = Promise.all([listener.ready(), link?.ready?.() ?? ErrorCode.OK]).then((results) => {
      const failure = results.find((result) => result !== ErrorCode.OK);
      if (failure === undefined) return ErrorCode.OK;
      this.#failure = failure;
      host.wake();
      return failure;
    });
  }

  /** OK once bound (and in the cluster), or why not. */
  ready(): Promise<ErrorCode> {
    return this.#ready;
  }

  getLocalPort(): number {
    return this.#setup.listener.getLocalPort();
  }

  failed(): boolean {
    return this.#failure !== null;
  }

  poll(): void {
    this.#applyRemote();
    // Joined clients first: a flood of handshakes never delays their packets.
    for (const connection of [...this.#peers.values()]) {
      if (connection === null) continue;
      connection.ws.poll();
      this.#read(connection);
      if (connection.ws.getReadyState() !== State.OPEN && this.#peers.get(connection.id) === connection) this.#leave(connection);
    }
    this.#accept();
    const now = this.#host.now();
    for (const connection of [...this.#unjoined]) {
      const { ws } = connection;
      if (now >= connection.deadline) {
        this.#drop(connection);
        continue;
      }
      ws.poll();
      if (connection.state === LinkState.CLOSING) {
        while (ws.getAvailablePacketCount() > 0) ws.getPacket(); // nothing more is read from it
        if (ws.getReadyState() === State.CLOSED) this.#drop(connection);
      } else if (ws.getReadyState() === State.OPEN) {
        this.#admit(connection);
      } else if (ws.getReadyState() !== State.CONNECTING) {
        this.#drop(connection); // a failed handshake: no signal
      }
    }
  }

  send(target: number, data: Uint8Array): ErrorCode {
    const { protocol } = this.#host;
    if (target > 0) {
      const connection = this.#peers.get(target);
      if (connection === undefined) return ErrorCode.ERR_INVALID_PARAMETER;
      if (connection === null) {
        this.#link!.publish(1, target, data);
        return ErrorCode.OK;
      }
      return connection.ws.putPacket(protocol.data(1, target, data));
    }
    const result = this.#deliverHere(1, target, protocol.data(1, target, data));
    this.#link?.publish(1, target, data);
    return result;
  }

  peers(): number[] {
    return [...this.#peers.keys()];
  }

  getPeer(id: number): WebSocketPeer | null {
    return (this.#peers.get(id) ?? this.#departed.get(id))?.ws ?? null;
  }

  disconnectPeer(id: number, force: boolean): ErrorCode {
    const connection = this.#peers.get(id);
    if (connection == null) return ErrorCode.ERR_DOES_NOT_EXIST; // not here (another node's clients included)
    if (force) {
      connection.ws.close(-1);
      this.#leave(connection);
    } else {
      this.#startClosing(connection, 1000, '');
    }
    this.#host.wake(); // the next poll() emits peer_disconnected
    return ErrorCode.OK;
  }

  close(): void {
    this.#setup.listener.stop();
    this.#link?.leave();
    for (const connection of this.#unjoined) this.#release(connection, -1);
    for (const connection of this.#peers.values()) if (connection !== null) this.#release(connection, CLOSE_GOING_AWAY, 'Server closed');
    this.#unjoined.clear();
    this.#peers.clear();
    this.#departed.clear();
    this.#remote.clear();
  }

  nextTimer(): number {
    let due = Infinity;
    for (const connection of this.#unjoined) due = Math.min(due, connection.deadline);
    for (const connection of this.#peers.values()) if (connection !== null) due = Math.min(due, connection.ws[kNextTimer]());
    return due;
  }

  *connections(): Iterable<Connection> {
    yield* this.#unjoined;
    for (const connection of this.#peers.values()) if (connection !== null) yield connection;
  }

  delivered([name, args]: Emission<MultiplayerPeerSignals>): void {
    // As Godot, which erases a peer after emitting peer_disconnected for it.
    if (name === 'peer_disconnected') this.#departed.delete(args[0]);
  }

  // ---- connections here ----

  #accept(): void {
    const { listener } = this.#setup;
    for (let incoming = listener.take(); incoming !== null; incoming = listener.take()) {
      if (this.#setup.refuseNewConnections() || this.#handshakes >= MAX_PENDING_CONNECTIONS) {
        incoming.refuse();
        continue;
      }
      const ws = this.#host.newPeer();
      if (incoming.accept(ws) !== ErrorCode.OK) {
        this.#host.release(ws);
        incoming.refuse();
        continue;
      }
      this.#unjoined.add({ ws, id: 0, state: LinkState.HANDSHAKING, deadline: this.#host.now() + this.#host.timeoutMs() });
      this.#handshakes++;
    }
  }

  /** A handshake completed: give the client its id and introduce it to everyone (Godot 3: ID, ADD(1), ADD both ways). */
  #admit(connection: Connection): void {
    this.#handshakes--;
    if (this.#setup.refuseNewConnections()) {
      this.#startClosing(connection, CLOSE_TRY_AGAIN_LATER, 'Not accepting new connections');
      return;
    }
    const { protocol } = this.#host;
    const id = this.#newId();
    const { ws } = connection;
    for (const message of protocol.welcome(id)) {
      if (ws[kSendUnlimited](message) !== ErrorCode.OK) {
        this.#drop(connection); // could not even send the id: as Godot, the client is dropped
        return;
      }
    }
    const added = protocol.joined(id);
    if (added !== null) {
      for (const [otherId, other] of this.#peers) {
        ws[kSendUnlimited](protocol.joined(otherId)!);
        if (other !== null) other.ws[kSendUnlimited](added);
      }
    }
    this.#unjoined.delete(connection);
    connection.id = id;
    connection.state = LinkState.OPEN;
    connection.deadline = Infinity;
    this.#peers.set(id, connection);
    this.#link?.joined(id);
    this.#host.emit(['peer_connected', [id]]);
    this.#read(connection); // anything that came with the handshake
  }

  #read(connection: Connection): void {
    const { ws } = connection;
    const { protocol } = this.#host;
    while (ws.getAvailablePacketCount() > 0) {
      const data = ws.getPacket();
      if (connection.state !== LinkState.OPEN) continue; // closing: what follows is not read
      const message = protocol.fromClient(data, ws.wasStringPacket(), connection.id);
      if (message.kind === 'violation') this.#startClosing(connection, message.code, message.reason);
      else if (!protocol.relays) this.#host.store(connection.id, message.payload, message.isString);
      else this.#route(connection.id, message.to, message.payload, data);
    }
  }

  /** Godot 3: keep what is for the server, relay the rest as it came (`message`, header included). */
  #route(sender: number, to: number, payload: Uint8Array, message: Uint8Array): void {
    if (to === 1 || to === 0 || to < -1) this.#host.store(sender, payload, false);
    if (to <= 0) {
      this.#deliverHere(sender, to, message);
      this.#link?.publish(sender, to, payload);
    } else if (to > 1 && to !== sender) {
      const target = this.#peers.get(to);
      if (target === null) this.#link!.publish(sender, to, payload);
      else if (target === undefined) this.#host.dropped(1); // it may have just left
      else this.#put(target, message);
    }
  }

  /** Hands `message` to every client here but `from` and the excluded −to; the first error, every loss counted. */
  #deliverHere(from: number, to: number, message: Uint8Array): ErrorCode {
    let result = ErrorCode.OK;
    for (const [id, connection] of this.#peers) {
      if (connection === null || id === from || id === -to) continue;
      const error = this.#put(connection, message);
      if (result === ErrorCode.OK) result = error;
    }
    return result;
  }

  #put(connection: Connection, message: Uint8Array): ErrorCode {
    const error = connection.ws.putPacket(message);
    if (error !== ErrorCode.OK) this.#host.dropped(1);
    return error;
  }

  /** A client here left (or was dropped): tell everyone (Godot 3: DEL), then peer_disconnected. */
  #leave(connection: Connection): void {
    const { id } = connection;
    this.#peers.delete(id);
    this.#departed.set(id, connection);
    this.#announceLeft(id);
    this.#link?.left(id);
    this.#host.emit(['peer_disconnected', [id]]);
    if (connection.ws.getReadyState() === State.CLOSED) {
      this.#host.release(connection.ws);
      return;
    }
    if (connection.state !== LinkState.CLOSING) {
      connection.state = LinkState.CLOSING;
      connection.deadline = this.#host.now() + this.#host.timeoutMs();
    }
    this.#unjoined.add(connection);
  }

  #startClosing(connection: Connection, code: number, reason: string): void {
    startClosing(connection, code, reason, this.#host.now() + this.#host.timeoutMs());
  }

  /** Forgets an unjoined connection. */
  #drop(connection: Connection): void {
    if (connection.state === LinkState.HANDSHAKING) this.#handshakes--;
    this.#unjoined.delete(connection);
    this.#release(connection, -1);
  }

  #release(connection: Connection, code: number, reason = ''): void {
    this.#host.release(connection.ws);
    abandon(connection, code, reason);
  }

  #newId(): number {
    const isTaken = (id: number): boolean => id < MIN_CLIENT_ID || this.#peers.has(id) || this.#departed.has(id);
    if (this.#link !== null) return this.#link.newId(isTaken);
    return (this.#setup.newId ?? randomClientId)(isTaken);
  }

  #announceLeft(id: number): void {
    const removed = this.#host.protocol.left(id);
    if (removed === null) return;
    for (const other of this.#peers.values()) if (other !== null) other.ws[kSendUnlimited](removed);
  }

  // ---- the rest of the cluster ----

  #relayNode(): RelayNode {
    const push = (event: RemoteEvent): void => {
      this.#remote.push(event);
      this.#host.wake();
    };
    return {
      peerJoined: (id) => push({ kind: 'joined', id }),
      peerLeft: (id) => push({ kind: 'left', id }),
      packet: (from, to, payload) => push({ kind: 'packet', from, to, payload }),
      dropped: (count) => push({ kind: 'dropped', count }),
    };
  }

  #applyRemote(): void {
    const { protocol } = this.#host;
    for (let event = this.#remote.shift(); event !== undefined; event = this.#remote.shift()) {
      switch (event.kind) {
        case 'joined': {
          if (this.#peers.has(event.id)) break;
          const added = protocol.joined(event.id);
          if (added !== null) for (const other of this.#peers.values()) if (other !== null) other.ws[kSendUnlimited](added);
          this.#peers.set(event.id, null);
          this.#host.emit(['peer_connected', [event.id]]);
          break;
        }
        case 'left':
          if (this.#peers.get(event.id) !== null) break; // unknown, or a client of this node
          this.#peers.delete(event.id);
          this.#departed.set(event.id, null);
          this.#announceLeft(event.id);
          this.#host.emit(['peer_disconnected', [event.id]]);
          break;
        case 'packet': {
          if (event.to === 1) break; // 1 is each client's own server: never relayed
          const message = protocol.data(event.from, event.to, event.payload);
          if (event.to > 1) {
            const target = this.#peers.get(event.to);
            if (target == null) this.#host.dropped(1);
            else this.#put(target, message);
          } else {
            this.#deliverHere(event.from, event.to, message);
          }
          break;
        }
        case 'dropped':
          this.#host.dropped(event.count);
          break;
      }
    }
  }
}
