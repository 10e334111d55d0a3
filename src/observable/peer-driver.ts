// What fromPeer and fromMultiplayerPeer share: one driver per peer that turns what the peer
// shows in poll() into Observables. It keeps the subscribers of every stream, installs
// itself as the peer's only driver (hooks and clock) at the first subscription and leaves at
// the last, runs the poll loop, announces each status once and in order, and at the end
// (CLOSED / DISCONNECTED) hands out the packets left, the final status and how it ended,
// then completes every stream. A stream subscribed after the end replays that end. No
// stream ever errors because of the connection (only a second driver on the same peer is
// refused, with an Error, since it would steal the first one's packets).
import { Observable, type SchedulerLike, type Subscriber, type TeardownLogic, type Unsubscribable } from 'rxjs';
import { kSetClock, kSetHooks } from '../peer/internal.js';
import { PollLoop, type PollTarget } from './poll-loop.js';

/** How one extra stream (beyond status, packets and the end) starts, ends and replays. */
export interface StreamSpec<T> {
  /** At subscription (before the end): the current value, if the stream has one. */
  start?(subscriber: Subscriber<T>): void;
  /** After the end: what a late subscriber gets before complete(). */
  replay?(subscriber: Subscriber<T>): void;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * One stream of a driver: the Observable users subscribe to (`state$`, `packets$`, …) and
 * its subscribers. One object per stream, with no closures and no array for a single
 * subscriber (the common case): a driver exists per connection, so its streams are much
 * of what thousands of idle connections hold.
 */
export class DriverStream<T> extends Observable<T> {
  /** The earliest subscriber still here, then the others in order (copy-on-write, null when none). */
  #first: Subscriber<T> | null = null;
  #rest: readonly Subscriber<T>[] | null = null;
  /** The one teardown every subscription of this stream returns (see releaseClosed()). */
  #teardown: StreamTeardown | null = null;

  constructor(
    readonly driver: PeerDriver<unknown, unknown, unknown>,
    /** null for the status, packet and end streams, which the driver starts and replays itself. */
    readonly spec: StreamSpec<T> | null,
  ) {
    super();
  }

  get hasSubscribers(): boolean {
    return this.#first !== null;
  }

  /** @internal What RxJS runs for each subscribe(), as Subject does. */
  protected _subscribe(subscriber: Subscriber<T>): TeardownLogic {
    return this.driver.subscribeTo(this, subscriber) ? (this.#teardown ??= new StreamTeardown(this)) : undefined;
  }

  addSubscriber(subscriber: Subscriber<T>): void {
    if (this.#first === null) this.#first = subscriber;
    else this.#rest = this.#rest === null ? [subscriber] : [...this.#rest, subscriber];
  }

  /**
   * Drops the subscribers that unsubscribed (RxJS marks a subscriber closed before it runs
   * its teardowns, so one teardown object serves every subscription of the stream) and
   * says how many went.
   */
  releaseClosed(): number {
    let gone = 0;
    let rest = this.#rest;
    if (rest !== null) {
      const open = rest.filter((s) => !s.closed);
      gone = rest.length - open.length;
      rest = open.length === 0 ? null : open;
    }
    if (this.#first !== null && this.#first.closed) {
      gone++;
      this.#first = rest === null ? null : rest[0]!;
      rest = rest === null || rest.length === 1 ? null : rest.slice(1);
    }
    this.#rest = rest;
    return gone;
  }

  /** Takes every subscriber out (the end), in order. */
  takeSubscribers(): Subscriber<T>[] {
    const all = this.#first === null ? [] : [this.#first, ...(this.#rest ?? NONE)];
    this.#first = null;
    this.#rest = null;
    return all;
  }

  /** `value` to every subscriber; one that subscribes during it waits for the next value. */
  deliver(value: T): void {
    const first = this.#first;
    if (first === null) return;
    const rest = this.#rest;
    first.next(value);
    if (rest !== null) for (let i = 0; i < rest.length; i++) rest[i]!.next(value);
  }

  /** Lets every subscriber go with `error` (a refused subscription). */
  fail(error: unknown): void {
    for (const s of this.takeSubscribers()) s.error(error);
  }
}

/** The teardown of a stream's subscriptions: finds the subscribers that left. */
class StreamTeardown implements Unsubscribable {
  constructor(readonly stream: DriverStream<unknown>) {}

  unsubscribe(): void {
    this.stream.driver.released(this.stream);
  }
}

export abstract class PeerDriver<Status, Packet, End> implements PollTarget {
  protected readonly loop: PollLoop;

  #statusStream: DriverStream<Status> | null = null;
  #packetStream: DriverStream<Packet> | null = null;
  #endStream: DriverStream<End> | null = null;
  /** Streams added by a driver (addStream), after the three every driver has. */
  #extraStreams: DriverStream<unknown>[] | null = null;
  #refs = 0;
  #attached = false;
  #polling = false;
  #draining = false;
  /** Statuses seen during the current poll(), announced after it. */
  #pendingStatuses: Status[] | null = null;
  #announced: Status;
  #end: { value: End } | null = null;
  #endCallbacks: ((end: End) => void)[] | null = null;

  /** `status`: the peer's status now. */
  constructor(scheduler: SchedulerLike, pollInterval: number | undefined, status: Status) {
    this.loop = new PollLoop(scheduler, pollInterval, this);
    this.#announced = status;
  }

  get scheduler(): SchedulerLike {
    return this.loop.scheduler;
  }

  get pollInterval(): number | undefined {
    return this.loop.interval;
  }

  /** The status stream (state$ / status$): the current status on subscribe, then each change. */
  protected get statusStream(): DriverStream<Status> {
    return (this.#statusStream ??= new DriverStream<Status>(this as PeerDriver<unknown, unknown, unknown>, null));
  }

  protected get packetStream(): DriverStream<Packet> {
    return (this.#packetStream ??= new DriverStream<Packet>(this as PeerDriver<unknown, unknown, unknown>, null));
  }

  protected get endStream(): DriverStream<End> {
    return (this.#endStream ??= new DriverStream<End>(this as PeerDriver<unknown, unknown, unknown>, null));
  }

  // ---- what each driver says about its peer ----

  /** CLOSED or DISCONNECTED: the status that ends everything. */
  protected abstract readonly closedStatus: Status;
  /** What a driver is called in error messages (`fromPeer`, `fromMultiplayerPeer`). */
  protected abstract readonly name: string;
  protected abstract readStatus(): Status;
  /** Installs (`on`) or removes this driver as the peer's only one; false if another holds it. */
  protected abstract hook(on: boolean): boolean;
  protected abstract takePacket(): Packet | undefined;
  protected abstract hasPackets(): boolean;
  /** How the peer ended, read once at the end. */
  protected abstract readEnd(): End;
  /** One poll of the peer and the emissions that follow it (see pollPeer, takePendingStatuses). */
  abstract runPoll(): void;
  abstract nextTimer(): number;
  /** After the first subscriber attached / the last left (signal listeners, cached values). */
  protected attached(): void {}
  protected detached(): void {}
  /** The first subscriber comes: read what changed while nobody listened. */
  protected resync(): void {}

  get finished(): boolean {
    return this.#end !== null;
  }

  /** Runs `callback` with how the peer ended, once every subscriber heard the end (now, if it did). */
  whenFinished(callback: (end: End) => void): () => void {
    if (this.#end !== null) {
      callback(this.#end.value);
      return () => {};
    }
    (this.#endCallbacks ??= []).push(callback);
    return () => {
      const callbacks = this.#endCallbacks;
      const index = callbacks === null ? -1 : callbacks.indexOf(callback);
      if (index >= 0) callbacks!.splice(index, 1);
    };
  }

  // ---- the peer's hooks ----

  statusChanged(status: Status): void {
    if (this.#polling) (this.#pendingStatuses ??= []).push(status);
    else this.announce(status);
  }

  wake(): void {
    this.loop.wake();
  }

  // ---- for the drivers ----

  protected addStream<T>(spec: StreamSpec<T>): DriverStream<T> {
    const stream = new DriverStream<T>(this as PeerDriver<unknown, unknown, unknown>, spec);
    (this.#extraStreams ??= []).push(stream as DriverStream<unknown>);
    return stream;
  }

  /** The Observable of a stream (the stream itself). */
  protected observe<T>(stream: DriverStream<T>): Observable<T> {
    return stream;
  }

  protected emit<T>(stream: DriverStream<T>, value: T): void {
    stream.deliver(value);
  }

  protected get isAttached(): boolean {
    return this.#attached;
  }

  /** What one poll of the peer is (the peer's poll(), and what a driver does inside it). */
  protected abstract pollOnce(): void;

  /** Runs pollOnce() with status changes held back until takePendingStatuses(). A method, not a callback: no closure per poll. */
  protected pollPeer(): void {
    this.#polling = true;
    try {
      this.pollOnce();
    } finally {
      this.#polling = false;
    }
  }

  protected takePendingStatuses(): readonly Status[] {
    const statuses = this.#pendingStatuses;
    if (statuses === null || statuses.length === 0) return NONE;
    this.#pendingStatuses = null;
    return statuses;
  }

  protected announce(status: Status): void {
    if (this.#end !== null || status === this.#announced) return;
    if (status === this.closedStatus) {
      this.#finish();
      return;
    }
    this.#announced = status;
    if (this.#statusStream !== null) this.emit(this.#statusStream, status);
  }

  /** Every packet waiting, to packets$ (while it has subscribers). */
  protected drainPackets(): void {
    const stream = this.#packetStream;
    if (stream === null || !stream.hasSubscribers || this.#draining) return;
    this.#draining = true;
    try {
      for (let packet; stream.hasSubscribers && (packet = this.takePacket()) !== undefined; ) stream.deliver(packet);
    } finally {
      this.#draining = false;
    }
  }

  // ---- the streams' side (DriverStream, StreamSubscription) ----

  /** @internal A subscription to `stream`; false when it ended at once (after the end, or refused). */
  subscribeTo<T>(stream: DriverStream<T>, subscriber: Subscriber<T>): boolean {
    if (this.#end !== null) {
      this.#replay(stream, subscriber);
      subscriber.complete();
      return false;
    }
    const first = this.#refs === 0;
    if (first) {
      // While nobody listened the peer may have moved on (connectToUrl after fromPeer).
      this.#announced = this.readStatus();
      this.resync();
    }
    if (stream === (this.#statusStream as unknown)) subscriber.next(this.#announced as unknown as T);
    else stream.spec?.start?.(subscriber);
    stream.addSubscriber(subscriber);
    this.#refs++;
    if (first) this.#attach();
    else if (stream === (this.#packetStream as unknown) && this.hasPackets()) this.loop.wake();
    return true;
  }

  /** @internal Subscribers of `stream` unsubscribed. */
  released(stream: DriverStream<unknown>): void {
    if (this.#end !== null) return; // the end already let everyone go
    const gone = stream.releaseClosed();
    if (gone === 0) return;
    this.#refs -= gone;
    if (this.#refs === 0) this.#detach();
  }

  // ---- private ----

  /** What a subscriber that comes after the end gets before complete(). */
  #replay<T>(stream: DriverStream<T>, subscriber: Subscriber<T>): void {
    if (stream === (this.#statusStream as unknown)) {
      subscriber.next(this.closedStatus as unknown as T);
    } else if (stream === (this.#packetStream as unknown)) {
      // Packets that nobody was reading at the end are still there.
      for (let packet; !subscriber.closed && (packet = this.takePacket()) !== undefined; ) subscriber.next(packet as unknown as T);
    } else if (stream === (this.#endStream as unknown)) {
      subscriber.next(this.#end!.value as unknown as T);
    } else {
      stream.spec?.replay?.(subscriber);
    }
  }

  /** Every stream made so far, the three common ones first. */
  #streams(): DriverStream<unknown>[] {
    const streams: DriverStream<unknown>[] = [];
    if (this.#statusStream !== null) streams.push(this.#statusStream as DriverStream<unknown>);
    if (this.#packetStream !== null) streams.push(this.#packetStream as DriverStream<unknown>);
    if (this.#endStream !== null) streams.push(this.#endStream as DriverStream<unknown>);
    if (this.#extraStreams !== null) streams.push(...this.#extraStreams);
    return streams;
  }

  #attach(): void {
    if (!this.hook(true)) {
      const error = new Error(`${this.name}: this peer is already driven by another wrapper`);
      // Only the subscriber that tried to attach is here: it and the count go.
      const streams = this.#streams();
      this.#refs = 0;
      for (const stream of streams) stream.fail(error);
      return;
    }
    this.#attached = true;
    this.attached();
    if (this.readStatus() === this.closedStatus) {
      this.#finish();
      return;
    }
    this.loop.start();
  }

  #detach(): void {
    this.loop.stop();
    if (!this.#attached) return;
    this.#attached = false;
    this.detached();
    this.hook(false);
  }

  /** The end: the packets left, the final status, how it ended, and every stream completes. */
  #finish(): void {
    if (this.#end !== null) return;
    this.drainPackets();
    const end = { value: this.readEnd() };
    this.#end = end;
    const alreadyAnnounced = this.#announced === this.closedStatus;
    this.#announced = this.closedStatus;
    this.#detach();
    const streams = this.#streams();
    const lists = streams.map((stream) => stream.takeSubscribers());
    this.#refs = 0;
    streams.forEach((stream, i) => {
      for (const s of lists[i]!) {
        if (stream === (this.#statusStream as unknown) && !alreadyAnnounced) s.next(this.closedStatus);
        if (stream === (this.#endStream as unknown)) s.next(end.value);
        s.complete();
      }
    });
    const callbacks = this.#endCallbacks;
    this.#endCallbacks = null;
    if (callbacks !== null) for (const callback of callbacks) callback(end.value);
  }
}

/** @internal A peer a driver can hold: both WebSocketPeer and WebSocketMultiplayerPeer. */
export interface DrivablePeer<Hooks> {
  [kSetHooks](hooks: Hooks | null): boolean;
  [kSetClock](clock: (() => number) | null): void;
}

/**
 * @internal Makes `hooks` the peer's only driver, on the scheduler's clock (false when another driver
 * holds it), or lets the peer go again: the one body of every driver's hook().
 */
export function hookPeer<Hooks>(peer: DrivablePeer<Hooks>, hooks: Hooks, scheduler: SchedulerLike, on: boolean): boolean {
  if (!on) {
    peer[kSetHooks](null);
    peer[kSetClock](null);
    return true;
  }
  if (!peer[kSetHooks](hooks)) return false;
  peer[kSetClock](clockOf(scheduler));
  return true;
}

/** One clock function per scheduler, shared by every peer it drives. */
const clocks = new WeakMap<SchedulerLike, () => number>();

function clockOf(scheduler: SchedulerLike): () => number {
  let clock = clocks.get(scheduler);
  if (clock === undefined) {
    clock = () => scheduler.now();
    clocks.set(scheduler, clock);
  }
  return clock;
}
