// An app written against RxJS 7.8's rxjs/webSocket, as apps are. The drop-in tests run this
// file unchanged with RxJS and with the import swapped for rxpeer/rxjs-compat, in Node and
// in Chromium, and expect the same log. Only bare imports: it is also bundled for a page.
import { filter, firstValueFrom, map, take, toArray } from 'rxjs';
import { webSocket, type WebSocketSubject } from 'rxjs/webSocket';

type ToServer =
  | { type: 'join'; name: string }
  | { type: 'say'; text: string }
  | { type: 'sub' | 'unsub'; topic: string }
  | { type: 'bye' };
type FromServer =
  | { type: 'joined'; name: string }
  | { type: 'said'; text: string }
  | { type: 'news'; topic: string; n: number };

/** Chats with the server at `baseUrl` (ws://host:port) and returns what it saw, in order. */
export async function runChatApp(baseUrl: string): Promise<string[]> {
  const log: string[] = [];
  const chat$: WebSocketSubject<ToServer | FromServer> = webSocket<ToServer | FromServer>({
    url: `${baseUrl}/chat`,
    protocol: ['chat.v1'],
    openObserver: { next: () => log.push('open') },
    closingObserver: { next: () => log.push('closing') },
    closeObserver: { next: (event) => log.push(`close event, clean: ${event.wasClean}`) },
  });
  const messages$ = chat$ as WebSocketSubject<FromServer>;

  // Sent once the socket is open.
  chat$.next({ type: 'join', name: 'ada' });
  const ended = new Promise<string>((resolve) =>
    messages$.subscribe({
      next: (message) => log.push(`received ${message.type}`),
      error: (event: CloseEvent) => resolve(`error ${event.type} ${event.code}`),
      complete: () => resolve('complete'),
    }),
  );

  const said = firstValueFrom(
    messages$.pipe(
      filter((message): message is Extract<FromServer, { type: 'said' }> => message.type === 'said'),
      map((message) => message.text),
      take(2),
      toArray(),
    ),
  );
  chat$.next({ type: 'say', text: 'hello' });
  chat$.next({ type: 'say', text: 'world' });
  log.push(`said: ${(await said).join(' ')}`);

  const news = await firstValueFrom(
    messages$
      .multiplex(
        () => ({ type: 'sub', topic: 'rxjs' }),
        () => ({ type: 'unsub', topic: 'rxjs' }),
        (message) => message.type === 'news' && message.topic === 'rxjs',
      )
      .pipe(take(2), toArray()),
  );
  log.push(`news: ${news.map((m) => (m as { n: number }).n).join(',')}`);

  chat$.next({ type: 'bye' }); // the server closes with 4001 "see you"
  log.push(`ended: ${await ended}`);

  // A second socket whose connection drops: its subscribers error with the CloseEvent.
  const flaky$ = webSocket<string>(`${baseUrl}/drop`);
  const dropped = new Promise<string>((resolve) =>
    flaky$.subscribe({
      error: (event: CloseEvent) => resolve(`error ${event.type} ${event.code} clean: ${event.wasClean}`),
      complete: () => resolve('complete'),
    }),
  );
  flaky$.next('anyone there?');
  log.push(`flaky: ${await dropped}`);
  return log;
}
