import type { SchedulerLike, Subscription } from 'rxjs';
import { Subscription as Subscriptions } from 'rxjs';
import type { Packet } from '../../peer/packet.js';
import { newSecret, newSessionId, sameSecret, splitToken, toToken } from './credential.js';
import type { SessionLimits } from './session-core.js';
import type { SessionLink } from './session-link.js';
import { SessionPeer } from './session-peer.js';
import {
  CLOSE_PROTOCOL_ERROR,
  CLOSE_SESSION_BUSY,
  CLOSE_SESSION_UNKNOWN,
  decodeFrame,
  encodeResumed,
  encodeWelcome,
  FrameKind,
  PROTOCOL_VERSION,
} from './wire.js';

interface Entry {
  readonly id: string;
  readonly session: SessionPeer;
  /** The credential the client was last given. */
  secret: Uint8Array;
  /**
   * The credential it was given before, still good until the client shows (by sending
   * anything on the resumed connection) that it received the new one: a connection that
   * drops during the resume handshake must not strand the session.
   */
  previous: Uint8Array | null;
  emitted: boolean;
}

/**
 * The server side of sessions: takes connections that selected the session subprotocol,
 * starts or resumes sessions on them, and hands each session to `emit` once, when the
 * client shows it holds the credential. Credentials are single-use: every resume issues a
 * fresh one, and one that was used (or never issued) is refused with close code 4001; the
 * one just replaced is taken back only while no connection carries the session (4002 else).
 */
export class SessionServer {
  readonly #limits: SessionLimits;
  readonly #scheduler: SchedulerLike;
  readonly #emit: (session: SessionPeer) => void;
  readonly #helloTimeoutMs: number;
  readonly #sessions = new Map<string, Entry>();

  /** `helloTimeoutMs`: a connection that has not said HELLO or RESUME by then is dropped (0 = no limit). */
  constructor(limits: SessionLimits, scheduler: SchedulerLike, emit: (session: SessionPeer) => void, helloTimeoutMs = 0) {
    this.#limits = limits;
    this.#scheduler = scheduler;
    this.#emit = emit;
    this.#helloTimeoutMs = helloTimeoutMs;
  }

  /** Sessions alive, connected or waiting for their client. */
  get size(): number {
    return this.#sessions.size;
  }

  /** An OPEN connection that selected the session subprotocol. */
  accept(link: SessionLink): Subscription {
    let entry: Entry | null = null;
    let confirmed = false;
    let helloTimer: Subscription | null = null;

    const onPacket = (packet: Packet): void => {
      helloTimer?.unsubscribe();
      if (entry !== null) {
        if (!confirmed) {
          confirmed = true;
          this.#confirm(entry);
        }
        return entry.session.receive(link, packet);
      }
      const frame = packet.isString ? null : decodeFrame(packet.data);
      if (frame?.kind === FrameKind.HELLO && frame.version === PROTOCOL_VERSION) entry = this.#start(link);
      else if (frame?.kind === FrameKind.RESUME && frame.version === PROTOCOL_VERSION) entry = this.#resume(link, frame.token, frame.received);
      else link.close(CLOSE_PROTOCOL_ERROR, 'Protocol error');
    };

    const subscription = new Subscriptions();
    subscription.add(link.packets$.subscribe({ next: onPacket, error: () => {} }));
    subscription.add(
      link.close$.subscribe((info) => {
        helloTimer?.unsubscribe();
        entry?.session.linkClosed(link, info);
      }),
    );
    if (this.#helloTimeoutMs > 0 && !subscription.closed) {
      helloTimer = this.#scheduler.schedule(() => link.close(-1), this.#helloTimeoutMs);
    }
    return subscription;
  }

  /** Ends every session (listen() stopping): connected ones with a close handshake. */
  closeAll(code: number, reason = ''): void {
    for (const { session } of [...this.#sessions.values()]) {
      if (session.link !== null) session.close(code, reason);
      else session.end({ code, reason, wasClean: true });
    }
    this.#sessions.clear();
  }

  #start(link: SessionLink): Entry {
    const id = newSessionId();
    const session = new SessionPeer(this.#limits, this.#scheduler, { lost: () => {}, ended: () => this.#sessions.delete(id) });
    // The connection that starts the session speaks for it: its request and authorize context.
    if (link.request !== undefined) session.request = link.request;
    if (link.context !== undefined) session.context = link.context;
    const entry: Entry = { id, session, secret: newSecret(), previous: null, emitted: false };
    this.#sessions.set(id, entry);
    session.attach(link, 0);
    link.send(encodeWelcome(toToken(id, entry.secret)));
    return entry;
  }

  #resume(link: SessionLink, token: Uint8Array, peerReceived: number): Entry | null {
    const { sessionId, secret } = splitToken(token);
    const entry = this.#sessions.get(sessionId);
    if (entry === undefined) {
      link.close(CLOSE_SESSION_UNKNOWN, 'the server does not know this session: its window passed or the server restarted');
      return null;
    }
    const current = sameSecret(secret, entry.secret);
    const previous = entry.previous !== null && sameSecret(secret, entry.previous);
    if (!current && !previous) {
      link.close(CLOSE_SESSION_UNKNOWN, 'the session credential was refused: already used, or not issued by this server');
      return null;
    }
    if (!current && entry.session.link !== null) {
      // The replaced credential, while the connection that received its successor is open:
      // either that connection is half-open and the client never got the new one (it will
      // retry, and succeed once the connection is known dead), or this is a copy.
      link.close(CLOSE_SESSION_BUSY, 'the session is busy on another connection; try again');
      return null;
    }
    if (current) entry.previous = entry.secret;
    entry.secret = newSecret();
    link.send(encodeResumed(entry.session.received, toToken(entry.id, entry.secret)));
    const problem = entry.session.attach(link, peerReceived);
    if (problem !== null) {
      entry.session.fail(problem, CLOSE_SESSION_UNKNOWN);
      return null;
    }
    return entry;
  }

  #confirm(entry: Entry): void {
    entry.previous = null;
    if (entry.emitted) return;
    entry.emitted = true;
    entry.session.open();
    this.#emit(entry.session);
  }
}
