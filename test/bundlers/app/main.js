// The app every bundler builds: connects to the echo server named in the page's `?ws=`,
// sends one message and reports what it saw on window.result (read by the test).
import { connect, State } from 'rxpeer';
import { first, firstValueFrom, map, switchMap, take } from 'rxjs';

const url = new URLSearchParams(location.search).get('ws');
window.result = firstValueFrom(
  connect(url).pipe(
    switchMap((socket) =>
      socket.state$.pipe(
        first((state) => state === State.OPEN),
        switchMap((state) => {
          socket.send('hello from the bundle');
          return socket.packets$.pipe(
            take(1),
            map((packet) => ({ state: State[state], echo: packet.text })),
          );
        }),
      ),
    ),
  ),
);
