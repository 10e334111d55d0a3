import { asapScheduler, asyncScheduler, Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import { CLOSE_CODE_ABNORMAL, ErrorCode, State, WriteMode } from '../peer/constants.js';
import { kNextTimer, kSetClock, kSetHooks, kTakePacket, type PeerHooks } from '../peer/internal.js';
import type { Packet } from '../peer/packet.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import type { CloseInfo } from './errors.js';
import { checkOptions, checkTimerMs, describeValue } from './options.js';
import { PollLoop, type PollTarget } from './poll-loop.js';

export interface ObservablePeer {
  readonly peer: WebSocketPeer;
  /** Current state on subscribe, then every state the peer passes through; completes after CLOSED. */
  readonly state$: Observable<State>;
  /** Every packet, in order, exactly once; completes after CLOSED, clean or not (close$ says how). Never errors. */
  readonly packets$: Observable<Packet>;
  /** One value when the peer is CLOSED (with a `cause` when unclean), then completes. Never errors. */
  readonly close$: Observable<CloseInfo>;
  /** A string goes as a text frame, bytes as a binary frame. Returns the peer's ErrorCode; never throws. */
  send(message: string | Uint8Array): ErrorCode;
  close(code?: number, reason?: string): ErrorCode;
}

export interface FromPeerOptions {
  /** Drives poll(). Default: asapScheduler on demand, asyncScheduler with pollInterval. */
  scheduler?: SchedulerLike;
  /** Poll on a fixed beat of this many ms (0 = every zero-delay action, e.g. each animation frame). Default: on demand. */
  pollInterval?: number;
}

/** The keys of {@link FromPeerOptions}, for option checking. */
export const FROM_PEER_OPTION_KEYS = ['scheduler', 'pollInterval'] as const;

const wrappers = new WeakMap<WebSocketPeer, ObservablePeerImpl>();

/** Internal: runs a callback once every subscriber has heard CLOSED, close$ and the end of packets$. */
export const kWhenFinished = Symbol('rxpeer.whenFinished');

/**
 * Wraps a peer so that its state, packets and close become Observables while `scheduler`
 * drives `poll()`. One poll loop per peer, shared by every subscriber: it starts at the
 * first subscription and stops at CLOSED or when the last subscriber leaves.
 *
 * @example
 * const peer = new WebSocketPeer();
 * peer.connectToUrl('ws://127.0.0.1:9080');
 * const socket = fromPeer(peer);
 * socket.state$.subscribe((s) => console.log(State[s]));   // CONNECTING, OPEN, …
 * socket.packets$.subscribe((p) => console.log(p.text ?? p.data));
 */
export function fromPeer(peer: WebSocketPeer, options: FromPeerOptions = {}): ObservablePeer {
  checkOptions('fromPeer', options, FROM_PEER_OPTION_KEYS);
  return wrap(peer, options);
}

/** The scheduler and beat fromPeer will use; throws a RangeError/TypeError naming a bad option. */
export function validateFromPeerOptions(
  options: FromPeerOptions,
  caller: string,
): { scheduler: SchedulerLike; pollInterval: number | undefined } {
  const { pollInterval } = options;
  if (pollInterval !== undefined) checkTimerMs(caller, 'pollInterval', pollInterval);
  const scheduler = options.scheduler ?? (pollInterval === undefined ? asapScheduler : asyncScheduler);
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new TypeError(`${caller}: scheduler must be an RxJS SchedulerLike, got ${describeValue(scheduler)}`);
  }
  return { scheduler, pollInterval };
}

/** fromPeer with the implementation type, for this layer's own factories. */
export function wrap(peer: WebSocketPeer, options: FromPeerOptions = {}): ObservablePeerImpl {
  if (!(peer instanceof WebSocketPeer)) throw new TypeError(`fromPeer: expected a WebSocketPeer, got ${describeValue(peer)}`);
  const { scheduler, pollInterval } = validateFromPeerOptions(options, 'fromPeer');
  const existing = wrappers.get(peer);
  if (existing !== undefined && !existing.finished) {
    if (existing.scheduler === scheduler && existing.pollInterval === pollInterval) return existing;
    throw new Error('fromPeer: this peer is already wrapped with another scheduler or pollInterval');
  }
  const wrapper = new ObservablePeerImpl(peer, scheduler, pollInterval);
  wrappers.set(peer, wrapper);
  return wrapper;
}

export class ObservablePeerImpl implements ObservablePeer, PollTarget, PeerHooks {
  readonly peer: WebSocketPeer;
  readonly scheduler: SchedulerLike;
  readonly pollInterval: number | undefined;
  readonly state$: Observable<State>;
  readonly packets$: Observable<Packet>;
  readonly close$: Observable<CloseInfo>;

  readonly #loop: PollLoop;
  #stateSubscribers: Subscriber<State>[] = [];
  #packetSubscribers: Subscriber<Packet>[] = [];
  #closeSubscribers: Subscriber<CloseInfo>[] = [];
  #refs = 0;
  #attached = false;
  #announced: State;
  #polling = false;
  /** States seen during the current poll(), announced after it around the packets. */
  #pendingStates: State[] = [];
  #closeInfo: CloseInfo | null = null;
  /** True while packets are being emitted, so a re-entrant close does not drain twice. */
  #draining = false;
  #finishCallbacks: ((info: CloseInfo) => void)[] = [];

  constructor(peer: WebSocketPeer, scheduler: SchedulerLike, pollInterval: number | undefined) {
    this.peer = peer;
    this.scheduler = scheduler;
    this.pollInterval = pollInterval;
    this.#loop = new PollLoop(scheduler, pollInterval, this);
    this.#announced = peer.getReadyState();
    this.state$ = new Observable<State>((subscriber) => this.#subscribe(this.#stateSubscribers, subscriber));
    this.packets$ = new Observable<Packet>((subscriber) => this.#subscribe(this.#packetSubscribers, subscriber));
    this.close$ = new Observable<CloseInfo>((subscriber) => this.#subscribe(this.#closeSubscribers, subscriber));
  }

  get finished(): boolean {
    return this.#closeInfo !== null;
  }

  send(message: string | Uint8Array): ErrorCode {
    if (typeof message === 'string') return this.peer.sendText(message);
    return this.peer.send(message, WriteMode.BINARY);
  }

  close(code?: number, reason?: string): ErrorCode {
    return this.peer.close(code, reason);
  }

  [kWhenFinished](callback: (info: CloseInfo) => void): () => void {
    if (this.#closeInfo !== null) {
      callback(this.#closeInfo);
      return () => {};
    }
    this.#finishCallbacks.push(callback);
    return () => {
      const index = this.#finishCallbacks.indexOf(callback);
      if (index >= 0) this.#finishCallbacks.splice(index, 1);
    };
  }

  // ---- PeerHooks: called by the peer ----

  stateChanged(state: State): void {
    if (this.#polling) this.#pendingStates.push(state);
    else this.#announce(state);
  }

  wake(): void {
    this.#loop.wake();
  }

  // ---- PollTarget: called by the loop ----

  runPoll(): void {
    this.#polling = true;
    try {
      this.peer.poll();
    } finally {
      this.#polling = false;
    }
    if (this.#pendingStates.length === 0) {
      this.#drainPackets(); // the common case: packets, no state change
      return;
    }
    const states = this.#pendingStates;
    this.#pendingStates = [];
    // Packets belong between OPEN and the close: announce up to OPEN, then the packets, then the rest.
    let i = 0;
    while (i < states.length && (states[i] === State.CONNECTING || states[i] === State.OPEN)) this.#announce(states[i++]!);
    this.#drainPackets();
    while (i < states.length) this.#announce(states[i++]!);
  }

  nextTimer(): number {
    return this.peer[kNextTimer]();
  }

  // ---- private ----

  #subscribe<T>(list: Subscriber<T>[], subscriber: Subscriber<T>): () => void {
    if (this.#closeInfo !== null) {
      this.#replayFinished(list, subscriber);
      return () => {};
    }
    const first = this.#refs === 0;
    // While nobody listened the peer may have moved on (connectToUrl after fromPeer).
    if (first) this.#announced = this.peer.getReadyState();
    if (list === (this.#stateSubscribers as unknown)) (subscriber as Subscriber<State>).next(this.#announced);
    list.push(subscriber);
    this.#refs++;
    if (first) this.#attach();
    else if (list === (this.#packetSubscribers as unknown) && this.peer.getAvailablePacketCount() > 0) this.#loop.wake();
    return () => {
      if (this.#closeInfo !== null) return; // #finish already let everyone go
      const index = list.indexOf(subscriber);
      if (index < 0) return;
      list.splice(index, 1);
      if (--this.#refs === 0) this.#detach();
    };
  }

  #attach(): void {
    if (!this.peer[kSetHooks](this)) {
      const error = new Error('fromPeer: this peer is already driven by another wrapper (fromPeer or WebSocketClient)');
      for (const s of [...this.#stateSubscribers, ...this.#packetSubscribers, ...this.#closeSubscribers]) s.error(error);
      return;
    }
    this.#attached = true;
    this.peer[kSetClock](() => this.scheduler.now());
    if (this.peer.getReadyState() === State.CLOSED) {
      this.#finish();
      return;
    }
    this.#loop.start();
  }

  #detach(): void {
    this.#loop.stop();
    if (!this.#attached) return;
    this.#attached = false;
    this.peer[kSetHooks](null);
    this.peer[kSetClock](null);
  }

  #announce(state: State): void {
    if (this.#closeInfo !== null || state === this.#announced) return;
    if (state === State.CLOSED) {
      this.#finish();
      return;
    }
    this.#announced = state;
    for (const s of [...this.#stateSubscribers]) s.next(state);
  }

  #drainPackets(): void {
    if (this.#packetSubscribers.length === 0 || this.#draining) return;
    this.#draining = true;
    try {
      let packet: Packet | undefined;
      while (this.#packetSubscribers.length > 0 && (packet = this.peer[kTakePacket]()) !== undefined) {
        const current = this.#packetSubscribers;
        if (current.length === 1) current[0]!.next(packet);
        else for (const s of [...current]) s.next(packet);
      }
    } finally {
      this.#draining = false;
    }
  }

  /** CLOSED: the remaining packets, then CLOSED, the close info, and every stream completes. */
  #finish(): void {
    if (this.#closeInfo !== null) return;
    this.#drainPackets();
    const info = closeInfoOf(this.peer);
    this.#closeInfo = info;
    const alreadyAnnounced = this.#announced === State.CLOSED;
    this.#announced = State.CLOSED;
    this.#detach();
    const states = this.#stateSubscribers;
    const packets = this.#packetSubscribers;
    const closes = this.#closeSubscribers;
    this.#stateSubscribers = [];
    this.#packetSubscribers = [];
    this.#closeSubscribers = [];
    this.#refs = 0;
    for (const s of states) {
      if (!alreadyAnnounced) s.next(State.CLOSED);
      s.complete();
    }
    for (const s of packets) s.complete();
    for (const s of closes) {
      s.next(info);
      s.complete();
    }
    const callbacks = this.#finishCallbacks;
    this.#finishCallbacks = [];
    for (const callback of callbacks) callback(info);
  }

  #replayFinished<T>(list: Subscriber<T>[], subscriber: Subscriber<T>): void {
    const info = this.#closeInfo!;
    if (list === (this.#stateSubscribers as unknown)) {
      (subscriber as Subscriber<State>).next(State.CLOSED);
      subscriber.complete();
    } else if (list === (this.#closeSubscribers as unknown)) {
      (subscriber as Subscriber<CloseInfo>).next(info);
      subscriber.complete();
    } else {
      // Packets that nobody was reading when the peer closed are still there (exact rule 1).
      let packet: Packet | undefined;
      while (!subscriber.closed && (packet = this.peer[kTakePacket]()) !== undefined) (subscriber as Subscriber<Packet>).next(packet);
      subscriber.complete();
    }
  }
}

/** How a CLOSED peer ended, as close$ reports it. */
export function closeInfoOf(peer: WebSocketPeer): CloseInfo {
  const code = peer.getCloseCode();
  const info: CloseInfo = { code, reason: peer.getCloseReason(), wasClean: code !== CLOSE_CODE_ABNORMAL };
  const cause = peer.getCloseCause();
  if (!info.wasClean && cause !== '') info.cause = cause;
  return info;
}
