import { asyncScheduler, Subject, Subscription, type Observable, type SchedulerLike } from 'rxjs';
import type { ObservablePeer } from '../observable/observable-peer.js';
import { ErrorCode, State } from '../peer/constants.js';
import { describeText, describeValue } from '../peer/describe-value.js';
import { kTakeUnsent } from '../peer/internal.js';
import { Queue } from '../peer/queue.js';
import { decodeUtf8, utf8ByteLength } from '../peer/utf8.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import { checkConfig, checkCount, checkDuration, checkFunction, checkOneOf, checkScheduler } from './validate.js';

export type Message = string | Uint8Array;

/** What happens to a message that finds the queue full. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'error';

/** A message that will never be sent, and why. */
export interface DroppedMessage {
  readonly message: Message;
  /**
   * `overflow`: the queue was full (drop-oldest: this was the oldest; drop-newest: this was the new one).
   * `offline`: a volatile message while not OPEN. `rejected`: the peer refused it for good
   * (`errorCode`: e.g. ERR_OUT_OF_MEMORY for a message larger than the outbound buffer).
   * `unsent`: the peer accepted it, but the connection dropped while it was still in the
   * peer's outbound buffer, never written to the network (a text message comes back as a
   * string, a binary one as a copy of its bytes). Reported when the peer is CLOSED, in send order.
   */
  readonly reason: 'overflow' | 'offline' | 'rejected' | 'unsent';
  readonly errorCode?: ErrorCode;
}

/** `sent`: send() returned OK now. `queued`: kept until OPEN. `dropped`: reported to onDrop/drops$. */
export type SendResult = 'sent' | 'queued' | 'dropped';

export interface SendOptions {
  /** Send now or never (heartbeats, presence, cursor positions): never queued. Default false. */
  volatile?: boolean;
}

export interface SendQueueConfig {
  /** Messages the queue holds at most (> 0). Default 1000. */
  limit?: number;
  /** When full: evict the oldest, refuse the new one, or throw SendQueueOverflowError from send(). Default 'error'. */
  overflow?: OverflowPolicy;
  /** Hears every dropped message (also on `drops$`). */
  onDrop?: (drop: DroppedMessage) => void;
  /** When the peer's outbound buffer is full (ERR_OUT_OF_MEMORY), retry after this many ms. Default 50. */
  retryInterval?: number;
  /** Runs the retries. Default asyncScheduler. */
  scheduler?: SchedulerLike;
}

/** send() under the 'error' policy with a full queue: nothing was queued, nothing evicted. */
export class SendQueueOverflowError extends Error {
  override readonly name = 'SendQueueOverflowError';
  constructor(
    readonly rejectedMessage: Message,
    readonly limit: number,
  ) {
    super(`send queue full (${describeText(limit)} messages)`);
  }
}

interface Attachment {
  readonly socket: ObservablePeer;
  readonly subscription: Subscription;
  retry: Subscription | null;
  /**
   * The socket's state as its state$ last said. Not `peer.getReadyState()`: a resumable
   * session stays OPEN while its current connection is down (it keeps what is sent).
   */
  state: State;
}

/**
 * Outgoing messages that outlive connections. While the attached peer is OPEN a message
 * goes out at once; otherwise it is kept (up to `limit`, then the overflow policy) and
 * sent, in order, when a peer becomes OPEN. A message counts as sent only when the peer's
 * `send()` returned OK, and then it leaves the queue: nothing is sent twice. Anything
 * that will not be sent is reported (onDrop, drops$, the `dropped` result): nothing is
 * lost silently. Delivery is at most once: when a connection drops, the messages its peer
 * still held unwritten are reported as `unsent` (in Node; a browser can't tell), but one
 * already written to the network may or may not have arrived, and is not re-sent;
 * acknowledge at the application level when that matters.
 *
 * {@link connection} attaches its queue to every connection of a stream; on its own, a
 * queue is attached to one peer at a time with `attach()`.
 *
 * @example
 * const outbox = sendQueue({ limit: 100, overflow: 'drop-oldest', onDrop: (d) => console.warn('dropped', d) });
 * outbox.send('hello');                                  // 'queued' while offline
 * const attached = outbox.attach(fromPeer(peer));        // flushed when the peer is OPEN
 * outbox.send('{"type":"cursor"}', { volatile: true });  // 'sent' now, or 'dropped'
 */
export class SendQueue {
  readonly limit: number;
  readonly overflow: OverflowPolicy;
  /** Every dropped message, as it is dropped (hot). */
  readonly drops$: Observable<DroppedMessage>;

  readonly #onDrop: ((drop: DroppedMessage) => void) | undefined;
  readonly #retryInterval: number;
  readonly #scheduler: SchedulerLike;
  readonly #drops = new Subject<DroppedMessage>();
  readonly #queue = new Queue<Message>();
  #attached: Attachment | null = null;
  #flushing = false;

  constructor(config: SendQueueConfig = {}) {
    checkConfig('sendQueue', config, ['limit', 'overflow', 'onDrop', 'retryInterval', 'scheduler']);
    const { limit = 1000, overflow = 'error', onDrop, retryInterval = 50, scheduler = asyncScheduler } = config;
    checkCount('sendQueue', 'limit', limit, 1, true);
    checkOneOf('sendQueue', 'overflow', overflow, ['drop-oldest', 'drop-newest', 'error']);
    checkFunction('sendQueue', 'onDrop', onDrop, false);
    checkDuration('sendQueue', 'retryInterval', retryInterval);
    checkScheduler('sendQueue', scheduler);
    this.limit = limit;
    this.overflow = overflow;
    this.#onDrop = onDrop;
    this.#retryInterval = retryInterval;
    this.#scheduler = scheduler;
    this.drops$ = this.#drops.asObservable();
  }

  /** Messages waiting. */
  get size(): number {
    return this.#queue.length;
  }

  /**
   * Sends now if the attached peer is OPEN and nothing is waiting, else queues (or, with
   * `volatile`, drops). Throws SendQueueOverflowError only under the 'error' policy, and a
   * TypeError for options that are not `{ volatile?: boolean }` (nothing queued or sent).
   */
  send(message: Message, options: SendOptions = {}): SendResult {
    checkSendOptions(options);
    if (typeof message !== 'string' && !(message instanceof Uint8Array)) {
      return this.#drop(message, 'rejected', ErrorCode.ERR_INVALID_PARAMETER);
    }
    const socket = this.#openSocket();
    if (options.volatile) {
      if (socket === null) return this.#drop(message, 'offline');
      const code = socket.send(message);
      if (code === ErrorCode.OK) return 'sent';
      return this.#drop(message, code === ErrorCode.FAILED ? 'offline' : 'rejected', code);
    }
    if (socket !== null && this.#queue.length === 0 && !this.#flushing) {
      const code = socket.send(message);
      if (code === ErrorCode.OK) return 'sent';
      if (isPermanent(socket, message, code)) return this.#drop(message, 'rejected', code);
      // FAILED: the connection is closing underneath; ERR_OUT_OF_MEMORY: its buffer is full.
      this.#queue.push(message);
      if (code === ErrorCode.ERR_OUT_OF_MEMORY) this.#scheduleRetry();
      return 'queued';
    }
    if (this.#queue.length >= this.limit) {
      if (this.overflow === 'error') throw new SendQueueOverflowError(message, this.limit);
      if (this.overflow === 'drop-newest') return this.#drop(message, 'overflow');
      this.#drop(this.#queue.shift()!, 'overflow');
    }
    this.#queue.push(message);
    return 'queued';
  }

  /**
   * Sends through `socket` from now on: what waits is flushed whenever it is OPEN. One
   * peer at a time (attaching another detaches this one); detached at CLOSED or on
   * unsubscribe. The queue stays, for the next peer. Anything but an ObservablePeer
   * (from fromPeer or connect) throws a TypeError and changes nothing.
   */
  attach(socket: ObservablePeer): Subscription {
    if (!isObservablePeer(socket)) {
      throw new TypeError(`SendQueue.attach: socket must be an ObservablePeer (from fromPeer or connect), got ${describeValue(socket)}`);
    }
    this.#detach();
    const attachment: Attachment = { socket, subscription: new Subscription(), retry: null, state: State.CONNECTING };
    this.#attached = attachment;
    const detach = (): void => this.#detach(attachment);
    const closed = (): void => {
      if (this.#attached === attachment) this.#reportUnsent(socket.peer);
      detach();
    };
    attachment.subscription.add(
      socket.state$.subscribe({
        next: (state) => {
          attachment.state = state;
          if (state === State.OPEN && this.#attached === attachment) this.#flush();
        },
        complete: closed,
        error: closed,
      }),
    );
    return new Subscription(detach);
  }

  // ---- private ----

  #openSocket(): ObservablePeer | null {
    const attached = this.#attached;
    return attached !== null && attached.state === State.OPEN ? attached.socket : null;
  }

  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      let socket: ObservablePeer | null;
      while (this.#queue.length > 0 && (socket = this.#openSocket()) !== null) {
        const message = this.#queue.at(0)!;
        const code = socket.send(message);
        if (code === ErrorCode.OK) {
          this.#queue.shift();
        } else if (isPermanent(socket, message, code)) {
          this.#queue.shift();
          this.#drop(message, 'rejected', code);
        } else {
          if (code === ErrorCode.ERR_OUT_OF_MEMORY) this.#scheduleRetry();
          break;
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #scheduleRetry(): void {
    const attachment = this.#attached;
    if (attachment === null || attachment.retry !== null) return;
    attachment.retry = this.#scheduler.schedule(() => {
      attachment.retry = null;
      if (this.#attached === attachment) this.#flush();
    }, this.#retryInterval);
  }

  #detach(attachment: Attachment | null = this.#attached): void {
    if (attachment === null || this.#attached !== attachment) return;
    this.#attached = null;
    attachment.retry?.unsubscribe();
    attachment.subscription.unsubscribe();
  }

  /** What the connection accepted but never wrote: lost with it, so reported. */
  #reportUnsent(peer: WebSocketPeer): void {
    if (!(peer instanceof WebSocketPeer)) return;
    for (const { data, isText } of peer[kTakeUnsent]()) this.#drop(isText ? decodeUtf8(data) : data, 'unsent');
  }

  #drop(message: Message, reason: DroppedMessage['reason'], errorCode?: ErrorCode): 'dropped' {
    const drop: DroppedMessage = errorCode === undefined ? { message, reason } : { message, reason, errorCode };
    this.#onDrop?.(drop);
    this.#drops.next(drop);
    return 'dropped';
  }
}

/** Bad options are a programming error: a TypeError before anything is queued or sent. */
function checkSendOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`SendQueue.send: options must be an object, got ${describeValue(options)}`);
  }
  const { volatile } = options as SendOptions;
  if (volatile !== undefined && typeof volatile !== 'boolean') {
    throw new TypeError(`SendQueue.send: volatile must be a boolean, got ${describeValue(volatile)}`);
  }
}

function isObservablePeer(value: unknown): value is ObservablePeer {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ObservablePeer>;
  return (
    typeof candidate.peer === 'object' &&
    candidate.peer !== null &&
    typeof candidate.peer.getReadyState === 'function' &&
    typeof candidate.send === 'function' &&
    typeof candidate.state$ === 'object' &&
    candidate.state$ !== null &&
    typeof candidate.state$.subscribe === 'function'
  );
}

/** A send() result that retrying will not change. */
function isPermanent(socket: ObservablePeer, message: Message, code: ErrorCode): boolean {
  if (code === ErrorCode.FAILED) return false;
  if (code !== ErrorCode.ERR_OUT_OF_MEMORY) return true;
  // Too big for the outbound buffer even when it is empty: it will never fit.
  const limit = socket.peer.outboundBufferSize;
  const size = typeof message === 'string' ? utf8ByteLength(message) : message.byteLength;
  return limit > 0 && size > limit;
}

/**
 * Creates a {@link SendQueue}: a bounded outbox that keeps messages while offline and
 * flushes them in order on OPEN. Usually passed to {@link connection} as `queue`.
 *
 * @example
 * const socket = connection(connect(url).pipe(reconnect()), {
 *   queue: sendQueue({ limit: 500, overflow: 'drop-oldest', onDrop: (d) => metrics.dropped(d.reason) }),
 * });
 */
export function sendQueue(config: SendQueueConfig = {}): SendQueue {
  return new SendQueue(config);
}
