// The multiplayer peer's vocabulary, shared by the façade and its roles: Godot's status and
// target constants, the signals, and what a driver hears.

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

/** The multiplayer peer's signals and their arguments (Godot's names, and one of rxpeer's). */
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
  /**
   * rxpeer's: `count` data packets could not be handed to a connection since the last
   * poll() (its outbound limits were full, or the target had left). Emitted at most once a
   * poll(); `getDroppedPacketCount()` keeps the total.
   */
  packets_dropped: [count: number];
}

/** Every signal a WebSocketMultiplayerPeer emits: on()/off() refuse any other name. */
export const MULTIPLAYER_PEER_SIGNAL_NAMES: readonly (keyof MultiplayerPeerSignals)[] = [
  'peer_connected',
  'peer_disconnected',
  'peer_packet',
  'connection_succeeded',
  'connection_failed',
  'server_disconnected',
  'packets_dropped',
];

/** One received multiplayer packet. */
export interface MultiplayerPacket {
  /** The sender's unique id (1 = the server). */
  readonly from: number;
  readonly data: Uint8Array;
  /** Whether it came as a text frame (only possible with the bare Godot 4 format). */
  readonly isString: boolean;
}

/** @internal What the driver (fromMultiplayerPeer) hears from the peer. */
export interface MultiplayerHooks {
  /** Every status the peer passes through, at the moment it happens (inside poll() or not). */
  statusChanged(status: ConnectionStatus): void;
  /** Something arrived that a poll() would show (a connection, a message, a close, a failed bind). */
  wake(): void;
}
