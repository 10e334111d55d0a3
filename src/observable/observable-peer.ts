import { asapScheduler, asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { ErrorCode, isCleanClose, State, WriteMode } from '../peer/constants.js';
import { kFlush, kNextTimer, kPollPending, kTakePacket, type PeerHooks } from '../peer/internal.js';
import type { UpgradeRequest } from '../peer/handshake.js';
import type { Packet } from '../peer/packet.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import type { CloseInfo } from './errors.js';
import { checkOptions, checkTimerMs, describeValue } from './options.js';
import { hookPeer, PeerDriver } from './peer-driver.js';

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
  /** Server side (listen(), attach()): the handshake request this client came in on. */
  readonly request?: UpgradeRequest;
  /** Server side: the `context` the server's `authorize` accepted this client with. */
  readonly context?: unknown;
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

/** @internal Runs a callback once every subscriber has heard CLOSED, close$ and the end of packets$. */
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

/** @internal The scheduler and beat fromPeer will use; throws a RangeError/TypeError naming a bad option. */
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

/** @internal fromPeer with the implementation type, for this layer's own factories. */
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

/** @internal */
export class ObservablePeerImpl extends PeerDriver<State, Packet, CloseInfo> implements ObservablePeer, PeerHooks {
  readonly peer: WebSocketPeer;
  /** Set by the server that accepted the peer. */
  context: unknown = undefined;

  constructor(peer: WebSocketPeer, scheduler: SchedulerLike, pollInterval: number | undefined) {
    super(scheduler, pollInterval, peer.getReadyState());
    this.peer = peer;
  }

  // Streams are made on first use and kept (state$ is always the same Observable).
  get state$(): Observable<State> {
    return this.statusStream;
  }

  get packets$(): Observable<Packet> {
    return this.packetStream;
  }

  get close$(): Observable<CloseInfo> {
    return this.endStream;
  }

  protected get closedStatus(): State {
    return State.CLOSED;
  }

  protected get name(): string {
    return 'fromPeer';
  }

  get request(): UpgradeRequest | undefined {
    return this.peer.getUpgradeRequest() ?? undefined;
  }

  send(message: string | Uint8Array): ErrorCode {
    if (typeof message === 'string') return this.peer.sendText(message);
    return this.peer.send(message, WriteMode.BINARY);
  }

  close(code?: number, reason?: string): ErrorCode {
    return this.peer.close(code, reason);
  }

  [kWhenFinished](callback: (info: CloseInfo) => void): () => void {
    return this.whenFinished(callback);
  }

  /** The peer's name for statusChanged. */
  stateChanged(state: State): void {
    this.statusChanged(state);
  }

  protected pollOnce(): void {
    this.peer.poll();
  }

  runPoll(): void {
    this.pollPeer();
    const states = this.takePendingStatuses();
    if (states.length === 0) {
      this.drainPackets(); // the common case: packets, no state change
      // Replies sent by packets$ subscribers leave now, in one write, not a microtask later.
      this.peer[kFlush]();
      return;
    }
    // Packets belong between OPEN and the close: announce up to OPEN, then the packets, then the rest.
    let i = 0;
    while (i < states.length && (states[i] === State.CONNECTING || states[i] === State.OPEN)) this.announce(states[i++]!);
    this.drainPackets();
    this.peer[kFlush]();
    while (i < states.length) this.announce(states[i++]!);
  }

  nextTimer(): number {
    return this.peer[kNextTimer]();
  }

  /** Something recorded and not yet polled, or packets shown that nobody read yet. */
  pollPending(): boolean {
    return this.peer[kPollPending]() || this.hasPackets();
  }

  protected readStatus(): State {
    return this.peer.getReadyState();
  }

  protected hook(on: boolean): boolean {
    return hookPeer(this.peer, this, this.scheduler, on);
  }

  protected takePacket(): Packet | undefined {
    return this.peer[kTakePacket]();
  }

  protected hasPackets(): boolean {
    return this.peer.getAvailablePacketCount() > 0;
  }

  protected readEnd(): CloseInfo {
    return closeInfoOf(this.peer);
  }
}

/** @internal How a CLOSED peer ended, as close$ reports it. */
export function closeInfoOf(peer: WebSocketPeer): CloseInfo {
  const code = peer.getCloseCode();
  const info: CloseInfo = { code, reason: peer.getCloseReason(), wasClean: isCleanClose(code) };
  const cause = peer.getCloseCause();
  if (!info.wasClean && cause !== '') info.cause = cause;
  return info;
}
