// The two roles a multiplayer peer plays (server-role.ts, client-role.ts) and what the
// façade (websocket-multiplayer-peer.ts) gives them. A role owns its connections; the façade
// owns the Godot surface, the signals, the received packets and the clock.
import type { ErrorCode } from '../constants.js';
import type { Emission } from '../signals.js';
import type { WebSocketPeer } from '../websocket-peer.js';
import type { Connection } from './connection.js';
import type { ConnectionStatus, MultiplayerPeerSignals } from './multiplayer-types.js';
import type { WireProtocol } from './wire-protocol.js';

export interface RoleHost {
  readonly protocol: WireProtocol;
  /** The peer's clock, in ms. */
  now(): number;
  /** The handshake (and close) timeout in ms, read when a deadline is set. */
  timeoutMs(): number;
  /** A fresh WebSocketPeer with the peer's settings, clock and hooks. */
  newPeer(): WebSocketPeer;
  /** Unhooks a peer the role no longer keeps. */
  release(ws: WebSocketPeer): void;
  /** Queues a received packet (and its peer_packet). */
  store(from: number, data: Uint8Array, isString: boolean): void;
  emit(emission: Emission<MultiplayerPeerSignals>): void;
  setStatus(status: ConnectionStatus): void;
  /** Counts data packets that could not be handed to a connection. */
  dropped(count: number): void;
  /** Asks the driver for a poll(). */
  wake(): void;
}

export interface Role {
  poll(): void;
  /** putPacket() to `target`, already checked to be an integer in range. */
  send(target: number, data: Uint8Array): ErrorCode;
  peers(): number[];
  getPeer(id: number): WebSocketPeer | null;
  disconnectPeer(id: number, force: boolean): ErrorCode;
  /** Ends everything at once, without signals. */
  close(): void;
  /** The earliest deadline or heartbeat due, Infinity if none. */
  nextTimer(): number;
  /** Every live connection (to move deadlines to a new clock). */
  connections(): Iterable<Connection>;
  /** After the listeners of an emission ran. */
  delivered?(emission: Emission<MultiplayerPeerSignals>): void;
}
