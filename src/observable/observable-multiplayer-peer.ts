import { Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import { ErrorCode } from '../peer/constants.js';
import {
  ConnectionStatus,
  multiplayerInternals,
  type MultiplayerHooks,
  type MultiplayerInternals,
  type MultiplayerPacket,
  WebSocketMultiplayerPeer,
} from '../peer/multiplayer/websocket-multiplayer-peer.js';
import { encodeUtf8 } from '../peer/utf8.js';
import { type FromPeerOptions, validateFromPeerOptions } from './observable-peer.js';
import { PollLoop, type PollTarget } from './poll-loop.js';

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

type Lists = {
  status: Subscriber<ConnectionStatus>[];
  connected: Subscriber<number>[];
  disconnected: Subscriber<number>[];
  peers: Subscriber<readonly number[]>[];
  packets: Subscriber<MultiplayerPacket>[];
  close: Subscriber<MultiplayerCloseReason>[];
};

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

class ObservableMultiplayerPeerImpl implements ObservableMultiplayerPeer, PollTarget, MultiplayerHooks {
  readonly peer: WebSocketMultiplayerPeer;
  readonly scheduler: SchedulerLike;
  readonly pollInterval: number | undefined;
  readonly status$: Observable<ConnectionStatus>;
  readonly peerConnected$: Observable<number>;
  readonly peerDisconnected$: Observable<number>;
  readonly peers$: Observable<readonly number[]>;
  readonly packets$: Observable<MultiplayerPacket>;
  readonly close$: Observable<MultiplayerCloseReason>;

  readonly #loop: PollLoop;
  readonly #internals: MultiplayerInternals;
  #lists: Lists = { status: [], connected: [], disconnected: [], peers: [], packets: [], close: [] };
  #refs = 0;
  #attached = false;
  #polling = false;
  #announced: ConnectionStatus;
  /** Statuses seen during the current poll(), announced after it (after the signals of that poll). */
  #pendingStatuses: ConnectionStatus[] = [];
  #peers: readonly number[] = [];
  #reason: MultiplayerCloseReason = 'closed';
  #finished: MultiplayerCloseReason | null = null;

  readonly #onConnected = (id: number): void => {
    this.#peers = [...this.#peers.filter((p) => p !== id), id];
    this.#emit(this.#lists.connected, id);
    this.#emit(this.#lists.peers, this.#peers);
  };
  readonly #onDisconnected = (id: number): void => {
    this.#peers = this.#peers.filter((p) => p !== id);
    this.#emit(this.#lists.disconnected, id);
    this.#emit(this.#lists.peers, this.#peers);
  };
  // One packet per signal keeps packets in wire order with the joins and leaves around them.
  readonly #onPacket = (): void => {
    if (this.#lists.packets.length === 0) return;
    const packet = this.#internals.takePacket();
    if (packet !== undefined) this.#emit(this.#lists.packets, packet);
  };
  readonly #onFailed = (): void => {
    this.#reason = 'connection_failed';
  };
  readonly #onServerLost = (): void => {
    this.#reason = 'server_disconnected';
  };

  constructor(peer: WebSocketMultiplayerPeer, scheduler: SchedulerLike, pollInterval: number | undefined) {
    this.peer = peer;
    this.scheduler = scheduler;
    this.pollInterval = pollInterval;
    this.#loop = new PollLoop(scheduler, pollInterval, this);
    this.#internals = multiplayerInternals(peer);
    this.#announced = peer.getConnectionStatus();
    const stream = <K extends keyof Lists>(key: K) =>
      new Observable<Lists[K][number] extends Subscriber<infer T> ? T : never>((subscriber) =>
        this.#subscribe(key, subscriber as unknown as Lists[K][number]),
      );
    this.status$ = stream('status');
    this.peerConnected$ = stream('connected');
    this.peerDisconnected$ = stream('disconnected');
    this.peers$ = stream('peers');
    this.packets$ = stream('packets');
    this.close$ = stream('close');
  }

  get finished(): boolean {
    return this.#finished !== null;
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

  // ---- MultiplayerHooks ----

  statusChanged(status: ConnectionStatus): void {
    if (this.#polling) this.#pendingStatuses.push(status);
    else this.#announce(status);
  }

  wake(): void {
    this.#loop.wake();
  }

  // ---- PollTarget ----

  runPoll(): void {
    if (!this.#attached) return;
    this.#polling = true;
    try {
      // Packets left from before packets$ had a subscriber; the rest come one per signal.
      this.#drainPackets();
      this.peer.poll();
    } finally {
      this.#polling = false;
    }
    const statuses = this.#pendingStatuses;
    this.#pendingStatuses = [];
    for (const status of statuses) this.#announce(status);
  }

  nextTimer(): number {
    return this.#internals.nextTimer();
  }

  // ---- private ----

  #subscribe<K extends keyof Lists>(key: K, subscriber: Lists[K][number]): () => void {
    if (this.#finished !== null) {
      this.#replayFinished(key, subscriber);
      return () => {};
    }
    const first = this.#refs === 0;
    if (first) {
      // While nobody listened the peer may have moved on (createClient after fromMultiplayerPeer).
      this.#announced = this.peer.getConnectionStatus();
      this.#peers = this.peer.getPeers();
    }
    if (key === 'status') (subscriber as Subscriber<ConnectionStatus>).next(this.#announced);
    if (key === 'peers') (subscriber as Subscriber<readonly number[]>).next(this.#peers);
    (this.#lists[key] as Lists[K][number][]).push(subscriber);
    this.#refs++;
    if (first) this.#attach();
    else if (key === 'packets' && this.peer.getAvailablePacketCount() > 0) this.#loop.wake();
    return () => {
      if (this.#finished !== null) return;
      const list = this.#lists[key] as Lists[K][number][];
      const index = list.indexOf(subscriber);
      if (index < 0) return;
      list.splice(index, 1);
      if (--this.#refs === 0) this.#detach();
    };
  }

  #attach(): void {
    if (!this.#internals.setHooks(this)) {
      const error = new Error('fromMultiplayerPeer: this peer is already driven by another wrapper');
      for (const list of Object.values(this.#lists) as Subscriber<unknown>[][]) for (const s of [...list]) s.error(error);
      return;
    }
    this.#attached = true;
    this.#internals.setClock(() => this.scheduler.now());
    this.peer.on('peer_connected', this.#onConnected);
    this.peer.on('peer_disconnected', this.#onDisconnected);
    this.peer.on('peer_packet', this.#onPacket);
    this.peer.on('connection_failed', this.#onFailed);
    this.peer.on('server_disconnected', this.#onServerLost);
    if (this.peer.getConnectionStatus() === ConnectionStatus.DISCONNECTED) {
      this.#finish();
      return;
    }
    this.#loop.start();
  }

  #detach(): void {
    this.#loop.stop();
    if (!this.#attached) return;
    this.#attached = false;
    this.peer.off('peer_connected', this.#onConnected);
    this.peer.off('peer_disconnected', this.#onDisconnected);
    this.peer.off('peer_packet', this.#onPacket);
    this.peer.off('connection_failed', this.#onFailed);
    this.peer.off('server_disconnected', this.#onServerLost);
    this.#internals.setHooks(null);
    this.#internals.setClock(null);
  }

  #announce(status: ConnectionStatus): void {
    if (this.#finished !== null || status === this.#announced) return;
    if (status === ConnectionStatus.DISCONNECTED) {
      this.#finish();
      return;
    }
    this.#announced = status;
    this.#emit(this.#lists.status, status);
  }

  #drainPackets(): void {
    for (let packet; this.#lists.packets.length > 0 && (packet = this.#internals.takePacket()) !== undefined; ) {
      this.#emit(this.#lists.packets, packet);
    }
  }

  #emit<T>(list: Subscriber<T>[], value: T): void {
    if (list.length === 1) list[0]!.next(value);
    else for (const s of [...list]) s.next(value);
  }

  /** DISCONNECTED: the packets still queued, then DISCONNECTED, the reason, and every stream completes. */
  #finish(): void {
    if (this.#finished !== null) return;
    this.#drainPackets();
    const reason = this.#reason;
    this.#finished = reason;
    const alreadyAnnounced = this.#announced === ConnectionStatus.DISCONNECTED;
    this.#announced = ConnectionStatus.DISCONNECTED;
    this.#detach();
    const lists = this.#lists;
    this.#lists = { status: [], connected: [], disconnected: [], peers: [], packets: [], close: [] };
    this.#refs = 0;
    this.#peers = [];
    for (const s of lists.status) {
      if (!alreadyAnnounced) s.next(ConnectionStatus.DISCONNECTED);
      s.complete();
    }
    for (const s of lists.connected) s.complete();
    for (const s of lists.disconnected) s.complete();
    for (const s of lists.peers) s.complete();
    for (const s of lists.packets) s.complete();
    for (const s of lists.close) {
      s.next(reason);
      s.complete();
    }
  }

  #replayFinished<K extends keyof Lists>(key: K, subscriber: Lists[K][number]): void {
    switch (key) {
      case 'status':
        (subscriber as Subscriber<ConnectionStatus>).next(ConnectionStatus.DISCONNECTED);
        break;
      case 'peers':
        (subscriber as Subscriber<readonly number[]>).next([]);
        break;
      case 'close':
        (subscriber as Subscriber<MultiplayerCloseReason>).next(this.#finished!);
        break;
      case 'packets': {
        // Packets nobody was reading when the peer ended are still there.
        let packet: MultiplayerPacket | undefined;
        while (!subscriber.closed && (packet = this.#internals.takePacket()) !== undefined) {
          (subscriber as Subscriber<MultiplayerPacket>).next(packet);
        }
        break;
      }
    }
    subscriber.complete();
  }
}
