import { Observable, type SchedulerLike, Subscription } from 'rxjs';
import { type CloseInfo, WebSocketCloseError } from '../errors.js';
import { CLOSE_CODE_ABNORMAL, State } from '../../peer/constants.js';
import type { Packet } from '../../peer/packet.js';
import type { SessionLimits } from './session-core.js';
import type { SessionLink } from './session-link.js';
import { SessionPeer, unclean } from './session-peer.js';
import {
  CLOSE_PROTOCOL_ERROR,
  CLOSE_SESSION_BUSY,
  CLOSE_SESSION_UNKNOWN,
  decodeFrame,
  encodeAck,
  encodeHello,
  encodeResume,
  FrameKind,
  isSessionProtocol,
} from './wire.js';

/** A connection whose session handshake gets no answer in this long is dropped (and, for a resume, tried again). */
const RESUME_ANSWER_TIMEOUT_MS = 5000;
/** Pauses between reconnect attempts: at once, then doubling up to this cap (the window bounds the total). */
const FIRST_RETRY_DELAY_MS = 50;
const MAX_RETRY_DELAY_MS = 1000;

/**
 * The client side of a session, shaped like connect(): emits one SessionPeer once the
 * server granted the session, reconnects by itself (`dial()` opens a new connection) each
 * time a connection drops until one resumes or `windowMs` passes, completes after a clean
 * end and errors with WebSocketCloseError (its `cause` says why) after an unclean one.
 * Unsubscribing closes the session with 1000.
 */
export function clientSession(dial: () => SessionLink, limits: SessionLimits, scheduler: SchedulerLike): Observable<SessionPeer> {
  return new Observable<SessionPeer>((subscriber) => {
    let session: SessionPeer | null = null;
    let token: Uint8Array | null = null;
    let retries = 0;
    let retry: Subscription | null = null;
    let linkSubscription: Subscription | null = null;
    let link: SessionLink | null = null;

    const fail = (info: CloseInfo): void => {
      if (session !== null) session.end(info);
      else subscriber.error(new WebSocketCloseError(info));
    };

    const redial = (): void => {
      const delay = retries === 0 ? 0 : Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** (retries - 1));
      retries++;
      retry = scheduler.schedule(() => {
        retry = null;
        open();
      }, delay);
    };

    const open = (): void => {
      linkSubscription?.unsubscribe();
      const current = dial();
      link = current;
      const subscription = new Subscription();
      linkSubscription = subscription;
      let established = false;
      let refusal: string | undefined;
      let answerTimer: Subscription | null = null;

      const onOpen = (): void => {
        const protocol = current.peer?.getSelectedProtocol();
        if (protocol !== undefined && !isSessionProtocol(protocol)) {
          refusal = `the server did not accept the session subprotocol (it selected ${protocol === '' ? 'none' : JSON.stringify(protocol)}): it does not offer resume`;
          current.close(1000);
          return;
        }
        const resuming = session !== null && token !== null;
        current.send(resuming ? encodeResume(session!.received, token!) : encodeHello());
        answerTimer = scheduler.schedule(() => {
          // Unanswered, a first handshake fails the connect; a resume is simply tried again.
          if (!resuming) refusal = `the server did not answer the session handshake within ${RESUME_ANSWER_TIMEOUT_MS} ms`;
          current.close(-1, `no answer to the session handshake within ${RESUME_ANSWER_TIMEOUT_MS} ms`);
        }, RESUME_ANSWER_TIMEOUT_MS);
      };

      const onPacket = (packet: Packet): void => {
        if (established) return session!.receive(current, packet);
        if (session?.ended) return;
        answerTimer?.unsubscribe();
        const frame = packet.isString ? null : decodeFrame(packet.data);
        if (frame?.kind === FrameKind.WELCOME && session === null) {
          established = true;
          token = frame.token;
          retries = 0;
          session = new SessionPeer(limits, scheduler, { lost: redial, ended: finish });
          session.attach(current, 0);
          current.send(encodeAck(0)); // tells the server we hold the credential
          session.open();
          subscriber.next(session);
        } else if (frame?.kind === FrameKind.RESUMED && session !== null) {
          established = true;
          token = frame.token; // the one just used is spent
          retries = 0;
          current.send(encodeAck(session.received));
          const problem = session.attach(current, frame.received);
          if (problem !== null) session.fail(problem);
        } else {
          refusal = 'the server broke the session protocol during its handshake';
          current.close(CLOSE_PROTOCOL_ERROR, 'Protocol error');
        }
      };

      const onClose = (info: CloseInfo): void => {
        answerTimer?.unsubscribe();
        if (link !== current) return;
        if (established) return session!.linkClosed(current, info);
        if (info.code === CLOSE_SESSION_UNKNOWN) return fail(unclean(info.reason || 'the server refused the session'));
        if (info.code === CLOSE_SESSION_BUSY && session !== null) return redial(); // its old connection is not known dead yet
        if (refusal !== undefined) return fail(unclean(refusal));
        if (session === null) return fail(info); // the first connection failed, as connect() reports it
        if (info.code !== CLOSE_CODE_ABNORMAL) return fail(info); // the server closed on purpose
        redial(); // the session's window timer bounds the attempts
      };

      subscription.add(
        current.state$.subscribe((state) => {
          if (state === State.OPEN) onOpen();
        }),
      );
      subscription.add(current.packets$.subscribe({ next: onPacket, error: () => {} }));
      subscription.add(current.close$.subscribe(onClose));
    };

    const finish = (info: CloseInfo): void => {
      retry?.unsubscribe();
      retry = null;
      // An attempt still in its resume handshake has nothing left to resume.
      if (link !== null && session?.link !== link) {
        link.close(-1, 'the session ended');
        linkSubscription?.unsubscribe();
      }
      if (info.wasClean) subscriber.complete();
      else subscriber.error(new WebSocketCloseError(info));
    };

    open();
    return () => {
      retry?.unsubscribe();
      // A session on a connection closes with a handshake: the connection stays polled until
      // it is CLOSED, so close$ tells how it ended. Anything else closes at once.
      const handshake = session !== null && !session.ended && session.link !== null && session.link === link;
      if (session !== null && !session.ended) session.close(1000);
      if (!handshake) {
        link?.close(1000);
        linkSubscription?.unsubscribe();
      }
    };
  });
}
