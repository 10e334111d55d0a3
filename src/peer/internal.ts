// The one way into a peer's internals: members keyed by these symbols, which the
// observable layer, the Godot 3 wrappers, the multiplayer peer and the test kit use without
// widening the public, Godot-shaped surface. Every such member is tagged @internal, and the
// published declarations leave them out (tsconfig.build.json: stripInternal), so a user's
// editor never offers them.
import type { State } from './constants.js';
import type { Transport, TransportSink } from './transport.js';

/** @internal */
export const kSetHooks = Symbol('rxpeer.setHooks');
/** @internal */
export const kSetClock = Symbol('rxpeer.setClock');
/** @internal */
export const kNextTimer = Symbol('rxpeer.nextTimer');
/** @internal Whether the peer recorded something since its last poll() (it asked its driver to wake). */
export const kPollPending = Symbol('rxpeer.pollPending');
/** @internal */
export const kTakePacket = Symbol('rxpeer.takePacket');
/** @internal */
export const kAttachTransport = Symbol('rxpeer.attachTransport');
/** @internal A message that must not be dropped (a multiplayer ID, ADD or DEL): sent past the outbound limits. */
export const kSendUnlimited = Symbol('rxpeer.sendUnlimited');
/** @internal What the last connection could not write before it ended (send queues report it as lost). */
export const kTakeUnsent = Symbol('rxpeer.takeUnsent');
/** @internal TCPServer: a callback run when a connection is queued (drivers accept on demand). */
export const kOnConnection = Symbol('rxpeer.onConnection');

/** @internal What a driver (fromPeer, WebSocketClient, …) hears from its peer. */
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
  /** A server-side connection: the peer's server defaults apply (compression declined unless asked). */
  server?: boolean;
  /** Builds the transport, bound to the sink the peer hands it. */
  open(sink: TransportSink, settings: TransportSettings): Transport;
}

export interface TransportSettings {
  protocols: string[];
  headers: { name: string; value: string }[];
  maxPayload: number;
  noDelay: boolean;
  /** Server side: ask the sink (onRequest) before completing a handshake. */
  checkRequests: boolean;
  /** false = off; otherwise on (the client offers it; a server accepts it when offered). */
  perMessageDeflate: false | { threshold?: number };
  /** Pongs that may wait unwritten before the peer closes with 1008 (a ping flood). */
  maxPendingPongs: number;
}

