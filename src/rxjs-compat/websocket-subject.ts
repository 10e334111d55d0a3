import { Observable, type Observer, type Operator, Subject, type Subscriber, type Subscription } from 'rxjs';
import { type ResolvedConfig, resolveConfig, type SocketConstructor, type SocketLike, type WebSocketSubjectConfig } from './config.js';
import { PeerWebSocket } from './peer-websocket.js';

const INVALID_ERROR_OBJECT =
  'WebSocketSubject.error must be called with an object with an error code, and an optional reason: { code: number, reason: string }';

const CONNECTING = 0;
const OPEN = 1;

/** A socket close() still means something to: it is connecting or open. */
function isActive(socket: SocketLike | null): socket is SocketLike {
  return socket !== null && (socket.readyState === CONNECTING || socket.readyState === OPEN);
}

/** `error(x)` closes the socket with `x.code` when it has a truthy one, as RxJS decides. */
function closeRequest(error: unknown): { code: number; reason?: string } | null {
  const candidate = error as { code?: unknown; reason?: unknown } | null | undefined;
  return candidate && candidate.code ? (candidate as { code: number; reason?: string }) : null;
}

/**
 * One connection's worth of state, from one socket (or none yet) to the next. What `next()`,
 * `error()` and `complete()` are given before the socket is open waits here, in order; the
 * subscribers of this connection listen to `output`. A new Session replaces it whenever
 * the socket is closed or given up, so the next subscription starts afresh.
 */
class Session<T> {
  readonly output = new Subject<T>();
  socket: SocketLike | null = null;
  opened = false;
  readonly pending: T[] = [];
  ending: { error: unknown } | 'complete' | null = null;
}

/**
 * RxJS 7's WebSocketSubject: a Subject whose subscribers share one WebSocket and whose
 * `next()` sends. The socket opens on the first subscription and closes when the last
 * subscriber leaves, on `complete()`, or on `error({ code, reason })`; a subscription after
 * that opens a new one. Values given to `next()` before the socket is open wait and are
 * sent, in order, once it is. A clean close completes the subscribers, an unclean one errors
 * them with the CloseEvent.
 *
 * @example
 * import { webSocket } from 'rxpeer/rxjs-compat';
 *
 * const subject = webSocket<{ say: string }>('ws://127.0.0.1:8080/chat');
 * subject.subscribe({
 *   next: (message) => console.log('received', message.say),
 *   error: (event: CloseEvent) => console.error('closed uncleanly', event.code),
 *   complete: () => console.log('closed'),
 * });
 * subject.next({ say: 'hello' }); // sent once the socket is open
 */
export class WebSocketSubject<T> extends Subject<T> {
  /** Root subjects: the config and the current session. Derived ones (pipe, the Observable form) have neither. */
  readonly #config: ResolvedConfig<T> | null;
  #session: Session<T> | null;
  /** Derived subjects: where next/error/complete go. */
  readonly #destination: Observer<T> | undefined;

  /**
   * With a URL or a config: a subject of its own. With an Observable (and an Observer),
   * as RxJS allows: a subject that subscribes to that Observable and forwards `next()`,
   * `error()` and `complete()` to the Observer; `pipe()` makes these.
   */
  constructor(urlConfigOrSource: string | WebSocketSubjectConfig<T> | Observable<T>, destination?: Observer<T>) {
    super();
    if (urlConfigOrSource instanceof Observable) {
      this.source = urlConfigOrSource;
      this.#destination = destination;
      this.#config = null;
      this.#session = null;
    } else {
      this.#config = resolveConfig<T>(urlConfigOrSource);
      this.#session = new Session<T>();
      this.#destination = undefined;
    }
  }

  /** @deprecated Internal implementation detail, as in RxJS: operators call it through `pipe()`. */
  override lift<R>(operator: Operator<T, R>): WebSocketSubject<R> {
    // Values given to the derived subject's next() still go out on this subject's socket.
    const derived = new WebSocketSubject<R>(this as Observable<unknown> as Observable<R>, this as Observer<unknown> as Observer<R>);
    derived.operator = operator;
    return derived;
  }

  /**
   * An Observable for one kind of message on the shared socket. On subscribe it sends
   * `subMsg()` (through the serializer, buffered until the socket is open) and subscribes
   * to the subject; it lets through the messages `messageFilter` accepts; on unsubscribe,
   * completion or error it sends `unsubMsg()` and unsubscribes. An exception in any of the
   * three functions errors that subscriber.
   */
  multiplex(subMsg: () => any, unsubMsg: () => any, messageFilter: (value: T) => boolean): Observable<T> {
    return new Observable<T>((subscriber) => {
      try {
        this.next(subMsg());
      } catch (error) {
        subscriber.error(error);
        return;
      }
      const subscription = this.subscribe({
        next: (value) => {
          let accepted: boolean;
          try {
            accepted = messageFilter(value);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (accepted) subscriber.next(value);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        try {
          this.next(unsubMsg());
        } catch (error) {
          subscriber.error(error);
        }
        subscription.unsubscribe();
      };
    });
  }

  override next(value: T): void {
    const session = this.#session;
    if (session === null) {
      this.#destination?.next?.(value);
    } else if (!session.opened) {
      if (session.ending === null) session.pending.push(value);
    } else {
      this.#send(session, value);
    }
  }

  /**
   * `error({ code, reason })` closes the socket with that code and reason (once it is open,
   * if it is not yet); subscribers then hear the close. Anything without a truthy `code`
   * errors the subscribers with a TypeError saying so, and closes the socket.
   */
  override error(error: unknown): void {
    const session = this.#session;
    if (session === null) {
      this.#destination?.error?.(error);
    } else if (!session.opened) {
      session.ending ??= { error };
    } else {
      this.#end(session, { error });
    }
  }

  /** Closes the socket (once it is open, if it is not yet); subscribers then hear the close. */
  override complete(): void {
    const session = this.#session;
    if (session === null) {
      this.#destination?.complete?.();
    } else if (!session.opened) {
      session.ending ??= 'complete';
    } else {
      this.#end(session, 'complete');
    }
  }

  /**
   * Closes the socket without telling the subscribers, forgets what waited to be sent, and
   * marks the subject closed as any Subject's unsubscribe() does: subscribing again errors
   * with ObjectUnsubscribedError; next() still waits for a socket.
   */
  override unsubscribe(): void {
    const session = this.#session;
    if (session !== null) {
      if (isActive(session.socket)) session.socket.close();
      this.#session = new Session<T>();
    }
    super.unsubscribe();
  }

  static {
    // Observable.subscribe() calls _subscribe(), which RxJS keeps out of its typings (as its
    // own subjects do): installed here, so it stays out of this class's declarations too.
    Object.defineProperty(WebSocketSubject.prototype, '_subscribe', {
      value(this: WebSocketSubject<unknown>, subscriber: Subscriber<unknown>): Subscription {
        return this.#subscribe(subscriber);
      },
      writable: true,
      configurable: true,
    });
  }

  #subscribe(subscriber: Subscriber<T>): Subscription {
    if (this.#session === null) return this.source!.subscribe(subscriber);
    if (this.#session.socket === null) this.#connect(this.#session);
    this.#session.output.subscribe(subscriber);
    subscriber.add(() => {
      // The last subscriber of the current connection is gone: close it.
      const current = this.#session;
      if (current !== null && !current.output.observed) this.#abandon(current);
    });
    return subscriber;
  }

  #connect(session: Session<T>): void {
    const { url, protocol, binaryType } = this.#config!;
    // Looked up now, not at construction: no WebSocketCtor means rxpeer's own socket.
    const Ctor: SocketConstructor = this.#config!.WebSocketCtor ?? PeerWebSocket;
    let socket: SocketLike;
    try {
      socket = protocol ? new Ctor(url, protocol) : new Ctor(url);
      if (binaryType) socket.binaryType = binaryType;
    } catch (error) {
      session.output.error(error);
      return;
    }
    session.socket = socket;
    socket.onopen = (event) => this.#opened(session, socket, event);
    socket.onmessage = (event) => {
      let value: T;
      try {
        value = this.#config!.deserializer(event);
      } catch (error) {
        session.output.error(error);
        return;
      }
      session.output.next(value);
    };
    socket.onerror = (event) => {
      if (this.#session === session) this.#session = new Session<T>();
      session.output.error(event);
    };
    socket.onclose = (event) => {
      if (this.#session === session) this.#session = new Session<T>();
      this.#config!.closeObserver?.next(event);
      if (event.wasClean) session.output.complete();
      else session.output.error(event);
    };
  }

  #opened(session: Session<T>, socket: SocketLike, event: Event): void {
    if (this.#session !== session) {
      // Everyone left while it was connecting and the socket did not abandon its handshake.
      socket.close();
      return;
    }
    // First the observer (what it sends waits with the rest), then everything waiting, in order.
    this.#config!.openObserver?.next(event);
    if (this.#session !== session) return;
    session.opened = true;
    for (const value of session.pending.splice(0)) {
      this.#send(session, value);
      if (this.#session !== session) return;
    }
    if (session.ending !== null) this.#end(session, session.ending);
  }

  #send(session: Session<T>, value: T): void {
    const socket = session.socket!;
    // As the platform's WebSocket does once closing: nothing more goes out.
    if (socket.readyState !== OPEN) return;
    try {
      socket.send(this.#config!.serializer(value));
    } catch (error) {
      this.#config!.closingObserver?.next();
      session.output.error(error);
      this.#abandon(session);
    }
  }

  #end(session: Session<T>, ending: { error: unknown } | 'complete'): void {
    this.#config!.closingObserver?.next();
    const socket = session.socket!;
    let closed = false;
    if (ending === 'complete') {
      socket.close();
      closed = true;
    } else {
      const request = closeRequest(ending.error);
      if (request === null) {
        session.output.error(new TypeError(INVALID_ERROR_OBJECT));
      } else {
        try {
          socket.close(request.code, request.reason);
          closed = true;
        } catch (error) {
          // A code or reason the socket refuses (a browser takes only 1000 and 3000–4999).
          session.output.error(error);
        }
      }
    }
    // Subscribers hear a close they asked for from the socket; otherwise it closes plainly here.
    if (closed) {
      if (this.#session === session) this.#session = new Session<T>();
    } else {
      this.#abandon(session);
    }
  }

  /** Closes the session's socket if it still can be, and starts a fresh session if it was the current one. */
  #abandon(session: Session<T>): void {
    if (isActive(session.socket)) session.socket.close();
    if (this.#session === session) this.#session = new Session<T>();
  }
}

/**
 * RxJS 7's `webSocket()`: a {@link WebSocketSubject} for a URL or a config.
 *
 * @example
 * import { webSocket } from 'rxpeer/rxjs-compat';   // was: from 'rxjs/webSocket'
 *
 * const subject = webSocket<{ say: string }>('ws://127.0.0.1:8080/chat');
 * subject.subscribe((message) => console.log('received', message.say));
 * subject.next({ say: 'hello' });
 */
export function webSocket<T>(urlConfigOrSource: string | WebSocketSubjectConfig<T>): WebSocketSubject<T> {
  return new WebSocketSubject<T>(urlConfigOrSource);
}
