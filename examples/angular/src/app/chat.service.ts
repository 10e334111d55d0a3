import { Injectable } from '@angular/core';
import { connect, connection, reconnect, type ReconnectAttempt, type SendResult, State, text } from 'rxpeer';
import { endWith, map, type Observable, scan, startWith, Subject, switchMap, takeWhile, timer } from 'rxjs';

/** The chat server: `?server=ws://host:port/` in the page's address, else `rxpeer serve --chat` on this host. */
export const CHAT_SERVER = new URLSearchParams(location.search).get('server') ?? `ws://${location.hostname}:9080/`;

@Injectable({ providedIn: 'root' })
export class ChatService {
  private readonly attempts$ = new Subject<ReconnectAttempt>();
  // One connection for the whole app, opened by the first subscriber and closed (1000) when
  // the last one leaves. Retried after any unclean close and after the server going away
  // (1001, a restart); messages sent while offline wait in the queue and go out once back.
  private readonly chat = connection(
    connect(CHAT_SERVER).pipe(
      reconnect({
        initialDelay: 1000,
        maxDelay: 5000,
        shouldRetry: (close) => !close.wasClean || close.code === 1001,
        onAttempt: (attempt) => this.attempts$.next(attempt),
      }),
    ),
    { queue: { limit: 100, overflow: 'drop-oldest' } },
  );

  /** CONNECTING, OPEN, CLOSING or CLOSED, across reconnects. */
  readonly state$: Observable<string> = this.chat.state$.pipe(map((state) => State[state]));

  /** Every message received so far, oldest first. */
  readonly messages$: Observable<string[]> = this.chat.packets$.pipe(
    text(),
    scan((messages, message) => [...messages, message], [] as string[]),
    startWith([] as string[]),
  );

  /** Whole seconds until the next connection attempt while reconnecting, else null. */
  readonly reconnectIn$ = this.attempts$.pipe(
    switchMap(({ delay }) =>
      timer(0, 1000).pipe(
        map((tick) => Math.ceil(delay / 1000) - tick),
        takeWhile((seconds) => seconds > 0),
        endWith(null),
      ),
    ),
    startWith(null),
  );

  /** 'sent' now, 'queued' while offline, or 'dropped'. */
  send(message: string): SendResult {
    return this.chat.send(message);
  }
}
