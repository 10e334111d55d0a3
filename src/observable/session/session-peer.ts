import { Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import type { CloseInfo } from '../errors.js';
import type { ObservablePeer } from '../observable-peer.js';
import { CLOSE_CODE_ABNORMAL, ErrorCode, State } from '../../peer/constants.js';
import type { Packet } from '../../peer/packet.js';
import { Queue } from '../../peer/queue.js';
import { encodeUtf8 } from '../../peer/utf8.js';
import { isSendableCloseCode, isValidCloseReason } from '../../peer/validation.js';
import type { UpgradeRequest } from '../../peer/handshake.js';
import type { WebSocketPeer } from '../../peer/websocket-peer.js';
import { SessionCore, type SessionLimits } from './session-core.js';
import type { SessionLink } from './session-link.js';
import { CLOSE_PROTOCOL_ERROR, CLOSE_SESSION_UNKNOWN } from './wire.js';

/** What the client or server driving a session hears from it. */
export interface SessionEvents {
  /** The connection dropped; the session waits `windowMs` for the next one. */
  lost(): void;
  /** The session is over (CLOSED); called once. */
  ended(info: CloseInfo): void;
}

/**
 * One logical connection that survives dropped WebSocket connections: an ObservablePeer
 * whose state stays OPEN while it reconnects, whose packets$ has every message of every
 * connection exactly once and in order, and whose send() keeps messages for the next
 * connection while there is none. `peer` is the WebSocketPeer of the latest connection.
 */
export class SessionPeer implements ObservablePeer {
  readonly state$: Observable<State>;
  readonly packets$: Observable<Packet>;
  readonly close$: Observable<CloseInfo>;
  /** Server side: the handshake of the connection that started the session (resumes do not change it). */
  request?: UpgradeRequest;
  /** Server side: what `authorize` accepted that connection with. */
  context?: unknown;

  readonly #limits: SessionLimits;
  readonly #scheduler: SchedulerLike;
  readonly #core: SessionCore;
  #events: SessionEvents;
  #state = State.CONNECTING;
  #link: SessionLink | null = null;
  #peer: WebSocketPeer | undefined;
  #inbox = new Queue<Packet>();
  #stateSubscribers: Subscriber<State>[] = [];
  #packetSubscribers: Subscriber<Packet>[] = [];
  #closeSubscribers: Subscriber<CloseInfo>[] = [];
  #closeInfo: CloseInfo | null = null;
  #window: Subscription | null = null;
  /** The application asked for the end: the next close of the link ends the session, whatever it was. */
  #closing = false;

  constructor(limits: SessionLimits, scheduler: SchedulerLike, events: SessionEvents) {
    this.#limits = limits;
    this.#scheduler = scheduler;
    this.#events = events;
    this.#core = new SessionCore(limits, scheduler, (packet) => this.#deliver(packet));
    this.state$ = new Observable<State>((subscriber) => {
      subscriber.next(this.#state);
      if (this.#closeInfo !== null) return subscriber.complete();
      this.#stateSubscribers.push(subscriber);
      return () => remove(this.#stateSubscribers, subscriber);
    });
    this.packets$ = new Observable<Packet>((subscriber) => {
      for (let packet = this.#inbox.shift(); packet !== undefined && !subscriber.closed; packet = this.#inbox.shift()) subscriber.next(packet);
      if (this.#closeInfo !== null) return subscriber.complete();
      this.#packetSubscribers.push(subscriber);
      return () => remove(this.#packetSubscribers, subscriber);
    });
    this.close$ = new Observable<CloseInfo>((subscriber) => {
      if (this.#closeInfo !== null) {
        subscriber.next(this.#closeInfo);
        return subscriber.complete();
      }
      this.#closeSubscribers.push(subscriber);
      return () => remove(this.#closeSubscribers, subscriber);
    });
  }

  /** The WebSocketPeer of the latest connection (each reconnect brings a new one). */
  get peer(): WebSocketPeer {
    return this.#peer!;
  }

  get link(): SessionLink | null {
    return this.#link;
  }

  get ended(): boolean {
    return this.#closeInfo !== null;
  }

  /** Messages received from the other side, in order (what a resume tells it). */
  get received(): number {
    return this.#core.received;
  }

  /** Payload bytes sent and not yet acknowledged. */
  get bufferedBytes(): number {
    return this.#core.bufferedBytes;
  }

  send(message: string | Uint8Array): ErrorCode {
    let payload: Uint8Array;
    if (typeof message === 'string') payload = encodeUtf8(message);
    else if (message instanceof Uint8Array) payload = message;
    else return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#state !== State.OPEN) return ErrorCode.FAILED;
    // Bigger than the whole buffer: it could never be kept for a replay, now or later.
    if (payload.byteLength > this.#limits.maxBufferedBytes) return ErrorCode.ERR_INVALID_PARAMETER;
    const outcome = this.#core.send(payload, typeof message === 'string');
    if (outcome !== 'overflow') return outcome;
    this.end(unclean(`more than maxBufferedBytes (${this.#limits.maxBufferedBytes}) bytes waited for a reconnect; the session was given up`));
    return ErrorCode.ERR_OUT_OF_MEMORY;
  }

  /**
   * Ends the session: with a connection, by a close handshake on it (CLOSING, then CLOSED
   * with the answer); between connections, at once (the other side learns of it when its
   * window passes). A negative code drops the connection and ends the session at once.
   */
  close(code = 1000, reason = ''): ErrorCode {
    if (typeof code !== 'number' || !Number.isInteger(code) || !isValidCloseReason(reason)) return ErrorCode.ERR_INVALID_PARAMETER;
    if (code >= 0 && !isSendableCloseCode(code)) return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#closeInfo !== null || (this.#closing && code >= 0)) return ErrorCode.OK;
    this.#closing = true;
    const link = this.#link;
    if (code < 0 || link === null) {
      link?.close(-1);
      this.end(code < 0 ? { code: CLOSE_CODE_ABNORMAL, reason: '', wasClean: false, cause: 'closed by this side without a close frame' } : { code, reason, wasClean: true });
      return ErrorCode.OK;
    }
    const result = link.close(code, reason);
    if (result !== ErrorCode.OK) {
      this.#closing = false;
      return result;
    }
    this.#setState(State.CLOSING);
    return ErrorCode.OK;
  }

  // ---- for the client or server that drives the session ----

  /** Replaces the events (the server hands a session from its handshake to its registry). */
  setEvents(events: SessionEvents): void {
    this.#events = events;
  }

  /** Marks the session OPEN (once the other side holds its credential). */
  open(): void {
    if (this.#state === State.CONNECTING) this.#setState(State.OPEN);
  }

  /** A new connection carries the session on; the other side has every message up to `peerReceived`. */
  attach(link: SessionLink, peerReceived: number): string | null {
    const previous = this.#link;
    this.#link = null;
    this.#core.detach();
    previous?.close(-1, 'replaced by a resumed connection'); // half-open: the other side already gave it up
    this.#window?.unsubscribe();
    this.#window = null;
    this.#link = link;
    this.#peer = link.peer ?? this.#peer;
    return this.#core.attach((frame) => (this.#link === link ? link.send(frame) : ErrorCode.FAILED), peerReceived);
  }

  /** A frame from `link`; frames of a replaced link are ignored. */
  receive(link: SessionLink, frame: Packet): void {
    if (link !== this.#link || this.#closeInfo !== null) return;
    const problem = frame.isString ? 'text frame where a session frame was expected' : this.#core.receive(frame.data);
    if (problem !== null) this.fail(problem, CLOSE_PROTOCOL_ERROR);
  }

  /** `link` closed. A drop waits for a reconnect; a close frame (or our own close) ends the session. */
  linkClosed(link: SessionLink, info: CloseInfo): void {
    if (link !== this.#link || this.#closeInfo !== null) return;
    this.#link = null;
    this.#core.detach();
    if (this.#closing || info.code !== CLOSE_CODE_ABNORMAL) {
      if (info.code === CLOSE_SESSION_UNKNOWN) this.end(unclean(info.reason));
      else this.end(info);
      return;
    }
    this.#window = this.#scheduler.schedule(() => {
      this.#window = null;
      this.end(unclean(`no reconnect within windowMs (${this.#limits.windowMs} ms); the session was given up`));
    }, this.#limits.windowMs);
    this.#events.lost();
  }

  /** Ends the session because of a protocol problem, telling the other side if connected. */
  fail(cause: string, code = CLOSE_PROTOCOL_ERROR): void {
    const link = this.#link;
    this.#link = null;
    link?.close(code, code === CLOSE_PROTOCOL_ERROR ? 'Protocol error' : cause.slice(0, 120));
    this.end(unclean(cause));
  }

  /** CLOSED: the packets still held go out, then CLOSED, the close info, and every stream completes. */
  end(info: CloseInfo): void {
    if (this.#closeInfo !== null) return;
    // What the other side never acknowledged is lost with the session: say how much.
    const lost = this.#core.bufferedCount;
    if (!info.wasClean && info.cause !== undefined && lost > 0) {
      info = { ...info, cause: `${info.cause} (${lost} message${lost === 1 ? ' was' : 's were'} sent but never acknowledged)` };
    }
    this.#closeInfo = info;
    this.#window?.unsubscribe();
    this.#window = null;
    this.#core.dispose();
    const link = this.#link;
    this.#link = null;
    if (link !== null && info.code === CLOSE_CODE_ABNORMAL) link.close(-1);
    this.#setState(State.CLOSED);
    const states = this.#stateSubscribers;
    const packets = this.#packetSubscribers;
    const closes = this.#closeSubscribers;
    this.#stateSubscribers = [];
    this.#packetSubscribers = [];
    this.#closeSubscribers = [];
    for (const s of states) s.complete();
    for (const s of packets) s.complete();
    for (const s of closes) {
      s.next(info);
      s.complete();
    }
    this.#events.ended(info);
  }

  #deliver(packet: Packet): void {
    const subscribers = this.#packetSubscribers;
    if (subscribers.length === 0) this.#inbox.push(packet);
    else if (subscribers.length === 1) subscribers[0]!.next(packet);
    else for (const s of [...subscribers]) s.next(packet);
  }

  #setState(state: State): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const s of [...this.#stateSubscribers]) s.next(state);
  }
}

export function unclean(cause: string): CloseInfo {
  return { code: CLOSE_CODE_ABNORMAL, reason: '', wasClean: false, cause };
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}
