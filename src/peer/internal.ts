// Symbols the observable layer, the Godot 3 wrappers and the test kit use to talk to a
// WebSocketPeer without widening its public, Godot-shaped surface.
import type { State } from './constants.js';
import type { Transport, TransportSink } from './transport.js';

export const kSetHooks = Symbol('rxpeer.setHooks');
export const kSetClock = Symbol('rxpeer.setClock');
export const kNextTimer = Symbol('rxpeer.nextTimer');
export const kTakePacket = Symbol('rxpeer.takePacket');
export const kAttachTransport = Symbol('rxpeer.attachTransport');
/** What the last connection could not write before it ended (send queues report it as lost). */
export const kTakeUnsent = Symbol('rxpeer.takeUnsent');
/** TCPServer: a callback run when a connection is queued (drivers accept on demand). */
export const kOnConnection = Symbol('rxpeer.onConnection');

/** What a driver (fromPeer, WebSocketClient, …) hears from its peer. */
export interface PeerHooks {
  /** Every state the peer passes through, in order, at the moment it happens. */
  stateChanged(state: State): void;
  /** The transport recorded something a poll() would now show. Called once per poll cycle. */
  wake(): void;
  /** Inside poll(): the remote sent the first close frame. */
  closeRequested?(code: number, reason: string): void;
  /** Inside poll(): a packet became available. */
  packetReady?(): void;
}

export interface AttachRequest {
  requestedUrl: string;
  /** Builds the transport, bound to the sink the peer hands it. */
  open(sink: TransportSink, settings: TransportSettings): Transport;
}

export interface TransportSettings {
  protocols: string[];
  headers: { name: string; value: string }[];
  maxPayload: number;
  noDelay: boolean;
  /** Pongs that may wait unwritten before the peer closes with 1008 (a ping flood). */
  maxPendingPongs: number;
}

