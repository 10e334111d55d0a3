// The client side of a multiplayer peer: one connection to the server, CONNECTING until the
// server gives this client its id (within the handshake timeout, counted from the first
// poll()), then the peers the server announces and the packets it delivers.
import { ErrorCode, State } from '../constants.js';
import { kNextTimer } from '../internal.js';
import type { WebSocketPeer } from '../websocket-peer.js';
import { abandon, type Connection, LinkState, startClosing } from './connection.js';
import { ConnectionStatus } from './multiplayer-types.js';
import type { Role, RoleHost } from './role.js';

export class ClientRole implements Role {
  readonly #host: RoleHost;
  readonly #server: Connection;
  /** The id the server gave this client; 0 until then. */
  #id = 0;
  #connected = false;
  #polled = false;
  /** The other clients the server announced, in the order it did. */
  readonly #others = new Set<number>();

  /** `ws` is already connecting to the server. */
  constructor(host: RoleHost, ws: WebSocketPeer) {
    this.#host = host;
    this.#server = { ws, id: 1, state: LinkState.HANDSHAKING, deadline: Infinity };
  }

  get uniqueId(): number {
    return this.#id;
  }

  poll(): void {
    const server = this.#server;
    const { ws } = server;
    if (!this.#polled) {
      // Counted from the first poll(), so a driver's clock (virtual time) sees the whole timeout.
      this.#polled = true;
      if (server.state === LinkState.HANDSHAKING) server.deadline = this.#host.now() + this.#host.timeoutMs();
    }
    ws.poll();
    while (ws.getAvailablePacketCount() > 0) {
      const data = ws.getPacket();
      if (server.state !== LinkState.CLOSING) this.#read(data, ws.wasStringPacket());
    }
    if (this.#host.now() >= server.deadline) ws.close(-1);
    if (ws.getReadyState() === State.CLOSED) this.#lost();
  }

  send(target: number, data: Uint8Array): ErrorCode {
    const { protocol } = this.#host;
    if (target === this.#id) return ErrorCode.ERR_INVALID_PARAMETER;
    if (!protocol.relays) {
      if (target > 1) return ErrorCode.ERR_INVALID_PARAMETER; // only the server is known
      if (target === -1) return ErrorCode.OK; // everyone but the server: nobody
    } else if (target > 1 && !this.#others.has(target)) {
      return ErrorCode.ERR_INVALID_PARAMETER;
    }
    return this.#server.ws.putPacket(protocol.data(this.#id, target, data));
  }

  peers(): number[] {
    return this.#connected ? [1, ...this.#others] : [...this.#others];
  }

  getPeer(id: number): WebSocketPeer | null {
    return id === 1 ? this.#server.ws : null;
  }

  /** A clean close of the connection to the server (`force` is the façade's close()). */
  disconnectPeer(id: number): ErrorCode {
    if (id !== 1) return ErrorCode.ERR_DOES_NOT_EXIST;
    this.#startClosing(1000, '');
    this.#host.wake();
    return ErrorCode.OK;
  }

  close(): void {
    this.#host.release(this.#server.ws);
    abandon(this.#server, 1000);
  }

  nextTimer(): number {
    return Math.min(this.#server.deadline, this.#server.ws[kNextTimer]());
  }

  *connections(): Iterable<Connection> {
    yield this.#server;
  }

  #read(data: Uint8Array, isString: boolean): void {
    const message = this.#host.protocol.fromServer(data, isString, this.#id);
    switch (message.kind) {
      case 'violation':
        return this.#startClosing(message.code, message.reason);
      case 'id':
        this.#id = message.id;
        if (message.complete) this.#connectedNow();
        return;
      case 'ready':
        if (this.#server.state === LinkState.HANDSHAKING) this.#connectedNow();
        return;
      case 'joined':
        if (!this.#others.has(message.id)) {
          this.#others.add(message.id);
          this.#host.emit(['peer_connected', [message.id]]);
        }
        return;
      case 'left':
        if (this.#others.delete(message.id)) this.#host.emit(['peer_disconnected', [message.id]]);
        return;
      case 'data':
        return this.#host.store(message.from, message.payload, message.isString);
    }
  }

  #connectedNow(): void {
    this.#server.state = LinkState.OPEN;
    this.#server.deadline = Infinity;
    this.#connected = true;
    this.#host.setStatus(ConnectionStatus.CONNECTED);
    this.#host.emit(['peer_connected', [1]]);
    this.#host.emit(['connection_succeeded', []]);
  }

  #startClosing(code: number, reason: string): void {
    startClosing(this.#server, code, reason, this.#host.now() + this.#host.timeoutMs());
  }

  /** The connection to the server is CLOSED: every peer leaves, or the connection failed. */
  #lost(): void {
    this.#host.release(this.#server.ws);
    if (this.#connected) {
      for (const id of this.#others) this.#host.emit(['peer_disconnected', [id]]);
      this.#host.emit(['peer_disconnected', [1]]);
      this.#host.emit(['server_disconnected', []]);
    } else {
      this.#host.emit(['connection_failed', []]);
    }
    this.#others.clear();
    this.#id = 0;
    this.#host.setStatus(ConnectionStatus.DISCONNECTED);
  }
}
