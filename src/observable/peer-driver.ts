// What fromPeer and fromMultiplayerPeer share: one driver per peer that turns what the peer
// shows in poll() into Observables. It keeps the subscribers of every stream, installs
// itself as the peer's only driver (hooks and clock) at the first subscription and leaves at
// the last, runs the poll loop, announces each status once and in order, and at the end
// (CLOSED / DISCONNECTED) hands out the packets left, the final status and how it ended,
// then completes every stream. A stream subscribed after the end replays that end. No
// stream ever errors because of the connection (only a second driver on the same peer is
// refused, with an Error, since it would steal the first one's packets).
import { Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import { kSetClock, kSetHooks } from '../peer/internal.js';
import { PollLoop, type PollTarget } from './poll-loop.js';

/** How one extra stream (beyond status, packets and the end) starts, ends and replays. */
export interface StreamSpec<T> {
  /** At subscription (before the end): the current value, if the stream has one. */
  start?(subscriber: Subscriber<T>): void;
  /** After the end: what a late subscriber gets before complete(). */
  replay?(subscriber: Subscriber<T>): void;
}

/** One stream's subscribers, and its spec. */
export class DriverStream<T> {
  subscribers: Subscriber<T>[] = [];
  constructor(readonly spec: StreamSpec<T>) {}
}

export abstract class PeerDriver<Status, Packet, End> implements PollTarget {
  readonly scheduler: SchedulerLike;
  readonly pollInterval: number | undefined;
  /** The status stream (state$ / status$): the current status on subscribe, then each change. */
  protected readonly statusStream: DriverStream<Status>;
  protected readonly packetStream: DriverStream<Packet>;
  protected readonly endStream: DriverStream<End>;
  protected readonly loop: PollLoop;

  readonly #streams: DriverStream<unknown>[] = [];
  #refs = 0;
  #attached = false;
  #polling = false;
  #draining = false;
  /** Statuses seen during the current poll(), announced after it. */
  #pendingStatuses: Status[] = [];
  #announced: Status;
  #end: { value: End } | null = null;
  #endCallbacks: ((end: End) => void)[] = [];

  /** `status`: the peer's status now. */
  constructor(scheduler: SchedulerLike, pollInterval: number | undefined, status: Status) {
    this.scheduler = scheduler;
    this.pollInterval = pollInterval;
    this.loop = new PollLoop(scheduler, pollInterval, this);
    this.#announced = status;
    this.statusStream = this.addStream<Status>({
      start: (s) => s.next(this.#announced),
      replay: (s) => s.next(this.closedStatus),
    });
    this.packetStream = this.addStream<Packet>({
      // Packets that nobody was reading at the end are still there.
      replay: (s) => {
        for (let packet; !s.closed && (packet = this.takePacket()) !== undefined; ) s.next(packet);
      },
    });
    this.endStream = this.addStream<End>({ replay: (s) => s.next(this.#end!.value) });
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
    this.#endCallbacks.push(callback);
    return () => {
      const index = this.#endCallbacks.indexOf(callback);
      if (index >= 0) this.#endCallbacks.splice(index, 1);
    };
  }

  // ---- the peer's hooks ----

  statusChanged(status: Status): void {
    if (this.#polling) this.#pendingStatuses.push(status);
    else this.announce(status);
  }

  wake(): void {
    this.loop.wake();
  }

  // ---- for the drivers ----

  protected addStream<T>(spec: StreamSpec<T>): DriverStream<T> {
    const stream = new DriverStream<T>(spec);
    this.#streams.push(stream as DriverStream<unknown>);
    return stream;
  }

  protected observe<T>(stream: DriverStream<T>): Observable<T> {
    return new Observable<T>((subscriber) => this.#subscribe(stream, subscriber));
  }

  protected emit<T>(stream: DriverStream<T>, value: T): void {
    const list = stream.subscribers;
    if (list.length === 1) list[0]!.next(value);
    else for (const s of [...list]) s.next(value);
  }

  protected get isAttached(): boolean {
    return this.#attached;
  }

  /** Runs `poll` with status changes held back until takePendingStatuses(). */
  protected pollPeer(poll: () => void): void {
    this.#polling = true;
    try {
      poll();
    } finally {
      this.#polling = false;
    }
  }

  protected takePendingStatuses(): Status[] {
    const statuses = this.#pendingStatuses;
    if (statuses.length > 0) this.#pendingStatuses = [];
    return statuses;
  }

  protected announce(status: Status): void {
    if (this.#end !== null || status === this.#announced) return;
    if (status === this.closedStatus) {
      this.#finish();
      return;
    }
    this.#announced = status;
    this.emit(this.statusStream, status);
  }

  /** Every packet waiting, to packets$ (while it has subscribers). */
  protected drainPackets(): void {
    if (this.packetStream.subscribers.length === 0 || this.#draining) return;
    this.#draining = true;
    try {
      for (let packet; this.packetStream.subscribers.length > 0 && (packet = this.takePacket()) !== undefined; ) {
        this.emit(this.packetStream, packet);
      }
    } finally {
      this.#draining = false;
    }
  }

  // ---- private ----

  #subscribe<T>(stream: DriverStream<T>, subscriber: Subscriber<T>): () => void {
    if (this.#end !== null) {
      stream.spec.replay?.(subscriber);
      subscriber.complete();
      return () => {};
    }
    const first = this.#refs === 0;
    if (first) {
      // While nobody listened the peer may have moved on (connectToUrl after fromPeer).
      this.#announced = this.readStatus();
      this.resync();
    }
    stream.spec.start?.(subscriber);
    stream.subscribers.push(subscriber);
    this.#refs++;
    if (first) this.#attach();
    else if (stream === (this.packetStream as unknown) && this.hasPackets()) this.loop.wake();
    return () => {
      if (this.#end !== null) return; // the end already let everyone go
      const index = stream.subscribers.indexOf(subscriber);
      if (index < 0) return;
      stream.subscribers.splice(index, 1);
      if (--this.#refs === 0) this.#detach();
    };
  }

  #attach(): void {
    if (!this.hook(true)) {
      const error = new Error(`${this.name}: this peer is already driven by another wrapper`);
      for (const stream of this.#streams) for (const s of [...stream.subscribers]) s.error(error);
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
    const lists = this.#streams.map((stream) => {
      const list = stream.subscribers;
      stream.subscribers = [];
      return list;
    });
    this.#refs = 0;
    this.#streams.forEach((stream, i) => {
      for (const s of lists[i]!) {
        if (stream === (this.statusStream as unknown) && !alreadyAnnounced) s.next(this.closedStatus);
        if (stream === (this.endStream as unknown)) s.next(end.value);
        s.complete();
      }
    });
    const callbacks = this.#endCallbacks;
    this.#endCallbacks = [];
    for (const callback of callbacks) callback(end.value);
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
  peer[kSetClock](() => scheduler.now());
  return true;
}
