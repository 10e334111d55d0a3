import type { Observable, SchedulerLike } from 'rxjs';
import { ErrorCode } from '../peer/constants.js';
import { kNextTimer, kTakePacket } from '../peer/internal.js';
import {
  ConnectionStatus,
  type MultiplayerPacket,
  WebSocketMultiplayerPeer,
} from '../peer/multiplayer/websocket-multiplayer-peer.js';
import type { MultiplayerHooks } from '../peer/multiplayer/multiplayer-types.js';
import { encodeUtf8 } from '../peer/utf8.js';
import { type FromPeerOptions, validateFromPeerOptions } from './observable-peer.js';
import { type DriverStream, hookPeer, PeerDriver } from './peer-driver.js';

/** Why a multiplayer peer ended: closed here, never connected, or lost its server. */
export type MultiplayerCloseReason = 'closed' | 'connection_failed' | 'server_disconnected';

export interface ObservableMultiplayerPeer {
  readonly peer: WebSocketMultiplayerPeer;
  /** Current status on subscribe, then every status the peer passes through; completes after DISCONNECTED. */
  readonly status$: Observable<ConnectionStatus>;
  /** Ids of the peers that join (`peer_connected`), in order; completes after DISCONNECTED. */
  readonly peerConnected$: Observable<number>;
  /** Ids of the peers that leave (`peer_disconnected`), in order; completes after DISCONNECTED. */
  readonly peerDisconnected$: Observable<number>;
  /** The connected peers (join order) on subscribe and after every join or leave; completes after DISCONNECTED. */
  readonly peers$: Observable<readonly number[]>;
  /** Every packet, in order, exactly once, with its sender; completes after DISCONNECTED. */
  readonly packets$: Observable<MultiplayerPacket>;
  /** How many data packets the peer dropped in each poll() that dropped some (`packets_dropped`); completes after DISCONNECTED. */
  readonly dropped$: Observable<number>;
  /** One value when the peer is DISCONNECTED (why), then completes. */
  readonly close$: Observable<MultiplayerCloseReason>;
  /**
   * Sends to `to` (> 0 that peer, 0 everyone, the default, < 0 everyone but −to) without
   * changing the peer's target. A string goes as UTF-8 bytes. Returns putPacket's ErrorCode.
   */
  send(data: Uint8Array | string, to?: number): ErrorCode;
  /** `peer.close()`: DISCONNECTED at once, every stream completes with close$ 'closed'. */
  close(): void;
}

const wrappers = /* @__PURE__ */ new WeakMap<WebSocketMultiplayerPeer, ObservableMultiplayerPeerImpl>();

/**
 * Wraps a multiplayer peer (after createServer / createClient) so that its status, peers
 * and packets become Observables while `scheduler` drives `poll()`: on demand by default
 * (a poll one scheduler hop after a connection, message or close arrives, and when a
 * handshake timeout or heartbeat falls due), or every `pollInterval` ms. One poll loop per
 * peer, shared by every subscriber: it starts at the first subscription and stops at
 * DISCONNECTED or when the last subscriber leaves. The wrapper drives the peer alone: read
 * packets from `packets$`, not with `getPacket()`.
 *
 * @example
 * const peer = new WebSocketMultiplayerPeer();
 * peer.createClient('ws://127.0.0.1:8080');
 * const game = fromMultiplayerPeer(peer);
 * game.peers$.subscribe((ids) => console.log('players', ids));
 * game.packets$.subscribe(({ from, data }) => console.log(from, new TextDecoder().decode(data)));
 * // send() works once CONNECTED (before that it returns ERR_UNCONFIGURED): wait for it.
 * game.status$.pipe(filter((s) => s === ConnectionStatus.CONNECTED), take(1)).subscribe(() => game.send('hello', 1)); // to the server
 */
export function fromMultiplayerPeer(peer: WebSocketMultiplayerPeer, options: FromPeerOptions = {}): ObservableMultiplayerPeer {
  if (!(peer instanceof WebSocketMultiplayerPeer)) throw new TypeError('fromMultiplayerPeer: expected a WebSocketMultiplayerPeer');
  const { scheduler, pollInterval } = validateFromPeerOptions(options, 'fromMultiplayerPeer');
  const existing = wrappers.get(peer);
  if (existing !== undefined && !existing.finished) {
    if (existing.scheduler === scheduler && existing.pollInterval === pollInterval) return existing;
    throw new Error('fromMultiplayerPeer: this peer is already wrapped with another scheduler or pollInterval');
  }
  const wrapper = new ObservableMultiplayerPeerImpl(peer, scheduler, pollInterval);
  wrappers.set(peer, wrapper);
  return wrapper;
}

class ObservableMultiplayerPeerImpl
  extends PeerDriver<ConnectionStatus, MultiplayerPacket, MultiplayerCloseReason>
  implements ObservableMultiplayerPeer, MultiplayerHooks
{
  readonly peer: WebSocketMultiplayerPeer;
  readonly status$: Observable<ConnectionStatus>;
  readonly peerConnected$: Observable<number>;
  readonly peerDisconnected$: Observable<number>;
  readonly peers$: Observable<readonly number[]>;
  readonly packets$: Observable<MultiplayerPacket>;
  readonly dropped$: Observable<number>;
  readonly close$: Observable<MultiplayerCloseReason>;
  protected get closedStatus(): ConnectionStatus {
    return ConnectionStatus.DISCONNECTED;
  }

  protected get name(): string {
    return 'fromMultiplayerPeer';
  }

  readonly #connected: DriverStream<number>;
  readonly #disconnected: DriverStream<number>;
  readonly #peerLists: DriverStream<readonly number[]>;
  readonly #dropped: DriverStream<number>;
  #peers: readonly number[] = [];
  #reason: MultiplayerCloseReason = 'closed';

  readonly #onConnected = (id: number): void => {
    this.#peers = [...this.#peers.filter((p) => p !== id), id];
    this.emit(this.#connected, id);
    this.emit(this.#peerLists, this.#peers);
  };
  readonly #onDisconnected = (id: number): void => {
    this.#peers = this.#peers.filter((p) => p !== id);
    this.emit(this.#disconnected, id);
    this.emit(this.#peerLists, this.#peers);
  };
  // One packet per signal keeps packets in wire order with the joins and leaves around them.
  readonly #onPacket = (): void => {
    if (!this.packetStream.hasSubscribers) return;
    const packet = this.peer[kTakePacket]();
    if (packet !== undefined) this.emit(this.packetStream, packet);
  };
  readonly #onDropped = (count: number): void => this.emit(this.#dropped, count);
  readonly #onFailed = (): void => {
    this.#reason = 'connection_failed';
  };
  readonly #onServerLost = (): void => {
    this.#reason = 'server_disconnected';
  };

  constructor(peer: WebSocketMultiplayerPeer, scheduler: SchedulerLike, pollInterval: number | undefined) {
    super(scheduler, pollInterval, peer.getConnectionStatus());
    this.peer = peer;
    this.#connected = this.addStream<number>({});
    this.#disconnected = this.addStream<number>({});
    this.#peerLists = this.addStream<readonly number[]>({ start: (s) => s.next(this.#peers), replay: (s) => s.next([]) });
    this.#dropped = this.addStream<number>({});
    this.status$ = this.observe(this.statusStream);
    this.peerConnected$ = this.observe(this.#connected);
    this.peerDisconnected$ = this.observe(this.#disconnected);
    this.peers$ = this.observe(this.#peerLists);
    this.packets$ = this.observe(this.packetStream);
    this.dropped$ = this.observe(this.#dropped);
    this.close$ = this.observe(this.endStream);
  }

  send(data: Uint8Array | string, to = 0): ErrorCode {
    const bytes = typeof data === 'string' ? encodeUtf8(data) : data;
    const target = this.peer.getTargetPeer();
    this.peer.setTargetPeer(to);
    if (this.peer.getTargetPeer() !== to) return ErrorCode.ERR_INVALID_PARAMETER;
    try {
      return this.peer.putPacket(bytes);
    } finally {
      this.peer.setTargetPeer(target);
    }
  }

  close(): void {
    this.peer.close();
  }

  protected pollOnce(): void {
    // Packets left from before packets$ had a subscriber; the rest come one per signal.
    this.drainPackets();
    this.peer.poll();
  }

  runPoll(): void {
    if (!this.isAttached) return;
    this.pollPeer();
    // After the signals of that poll.
    for (const status of this.takePendingStatuses()) this.announce(status);
  }

  nextTimer(): number {
    return this.peer[kNextTimer]();
  }

  protected readStatus(): ConnectionStatus {
    return this.peer.getConnectionStatus();
  }

  protected override resync(): void {
    // While nobody listened the peer may have moved on (createClient after fromMultiplayerPeer).
    this.#peers = this.peer.getPeers();
  }

  protected hook(on: boolean): boolean {
    return hookPeer(this.peer, this, this.scheduler, on);
  }

  protected override attached(): void {
    this.peer.on('peer_connected', this.#onConnected);
    this.peer.on('peer_disconnected', this.#onDisconnected);
    this.peer.on('peer_packet', this.#onPacket);
    this.peer.on('packets_dropped', this.#onDropped);
    this.peer.on('connection_failed', this.#onFailed);
    this.peer.on('server_disconnected', this.#onServerLost);
  }

  protected override detached(): void {
    this.peer.off('peer_connected', this.#onConnected);
    this.peer.off('peer_disconnected', this.#onDisconnected);
    this.peer.off('peer_packet', this.#onPacket);
    this.peer.off('packets_dropped', this.#onDropped);
    this.peer.off('connection_failed', this.#onFailed);
    this.peer.off('server_disconnected', this.#onServerLost);
  }

  protected takePacket(): MultiplayerPacket | undefined {
    return this.peer[kTakePacket]();
  }

  protected hasPackets(): boolean {
    return this.peer.getAvailablePacketCount() > 0;
  }

  protected readEnd(): MultiplayerCloseReason {
    this.#peers = [];
    return this.#reason;
  }
}
