import {
  defer,
  distinctUntilChanged,
  isObservable,
  mergeMap,
  Observable,
  ReplaySubject,
  share,
  startWith,
  type Subscription,
  switchMap,
} from 'rxjs';
import type { CloseInfo } from '../observable/errors.js';
import type { ObservablePeer } from '../observable/observable-peer.js';
import { ErrorCode, State } from '../peer/constants.js';
import type { Packet } from '../peer/packet.js';
import { SendQueue, type Message, type SendOptions, type SendQueueConfig, type SendResult } from './send-queue.js';
import { checkConfig } from './validate.js';

export interface ConnectionConfig {
  /** The outbox: a {@link SendQueue} (shared with other code) or its config. Default `sendQueue()`. */
  queue?: SendQueue | SendQueueConfig;
}

/**
 * One logical connection over a connection stream (usually `connect(...).pipe(reconnect(...))`):
 * streams that span reconnects, and a send() that queues while offline. Lazy and
 * ref-counted: the first subscriber to any stream subscribes the connection stream, the
 * last one to leave unsubscribes it (which closes the current peer with 1000). After the
 * stream ends, a new subscriber starts it again; the queue is kept throughout.
 */
export interface Connection {
  /** The connection stream, shared: each ObservablePeer as it is created; late subscribers get the current one. */
  readonly peers$: Observable<ObservablePeer>;
  /**
   * The current state, then every state of every connection: CONNECTING → OPEN → … → CLOSED,
   * CONNECTING → OPEN again after a reconnect (no state twice in a row). Completes or errors
   * when the connection stream does (e.g. WebSocketCloseError when reconnect gives up).
   */
  readonly state$: Observable<State>;
  /** Every packet of every connection, in order. Ends (complete or error) with the connection stream. */
  readonly packets$: Observable<Packet>;
  /** How each connection ended, one value per connection. */
  readonly closes$: Observable<CloseInfo>;
  /** The outbox behind send(). */
  readonly queue: SendQueue;
  /** Sends now when OPEN, else queues (see SendQueue); `volatile` messages are never queued. */
  send(message: Message, options?: SendOptions): SendResult;
  /** Closes the current connection (what happens next is the stream's business: reconnect's shouldRetry). FAILED when there is none. */
  close(code?: number, reason?: string): ErrorCode;
}

/**
 * Turns a connection stream into a {@link Connection}: one shared subscription, state and
 * packet streams that continue across reconnects, and a bounded send queue that is
 * attached to each new connection and flushed, in order, as soon as it is OPEN (before
 * subscribers to `state$` hear OPEN, so what they send follows the backlog).
 *
 * @example
 * const socket = connection(
 *   connect('wss://example.com/chat').pipe(reconnect({ maxRetries: 10 })),
 *   { queue: { limit: 100, overflow: 'drop-oldest', onDrop: (d) => console.warn('dropped', d) } },
 * );
 * socket.state$.subscribe((state) => render(State[state]));   // survives reconnects
 * socket.packets$.pipe(json<ChatMessage>()).subscribe(show);
 * socket.send(JSON.stringify({ say: 'hi' }));                 // sent now, or when back online
 */
export function connection(source: Observable<ObservablePeer>, config: ConnectionConfig = {}): Connection {
  if (!isObservable(source)) throw new TypeError('connection: source must be an Observable of ObservablePeer');
  checkConfig('connection', config, ['queue']);
  const queue = config.queue instanceof SendQueue ? config.queue : new SendQueue(config.queue);
  let current: ObservablePeer | null = null;

  const attached = new Observable<ObservablePeer>((subscriber) => {
    let attachment: Subscription | null = null;
    const subscription = source.subscribe({
      next: (socket) => {
        current = socket;
        // Attached first, so the backlog is flushed before anyone else hears OPEN.
        attachment?.unsubscribe();
        attachment = queue.attach(socket);
        subscriber.next(socket);
      },
      error: (error) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => {
      subscription.unsubscribe();
      attachment?.unsubscribe();
      current = null;
    };
  });

  const peers$ = attached.pipe(share({ connector: () => new ReplaySubject<ObservablePeer>(1) }));
  return {
    peers$,
    // CONNECTING until the first connection is OPEN (connect() emits it then), then every
    // state of every connection.
    state$: defer(() => {
      const states = peers$.pipe(switchMap((socket) => socket.state$));
      return current === null ? states.pipe(startWith(State.CONNECTING)) : states;
    }).pipe(distinctUntilChanged()),
    packets$: peers$.pipe(switchMap((socket) => socket.packets$)),
    closes$: closesOf(peers$),
    queue,
    send: (message, options) => queue.send(message, options),
    close: (code, reason) =>
      current !== null && current.peer.getReadyState() !== State.CLOSED ? current.close(code, reason) : ErrorCode.FAILED,
  };
}

/** Each connection's CloseInfo, in order (connect() ends its stream only after close$ was heard). */
function closesOf(peers$: Observable<ObservablePeer>): Observable<CloseInfo> {
  return peers$.pipe(mergeMap((socket) => socket.close$));
}
