// The README's "Deployment" examples, as written there (test/docs/readme-deployment.test.ts
// checks that every block between the `example:` markers appears in README.md verbatim,
// then runs them against real clients).
import type { Server } from 'node:http';
import express from 'express';
import { attach, listen, type ObservablePeer } from 'rxpeer';
import { defaultIfEmpty, firstValueFrom, forkJoin, mergeMap, race, tap, timer } from 'rxjs';

export function expressChat(port: number): { server: Server; shutdown: () => Promise<void> } {
  // example: express
  const app = express();
  app.get('/', (_request, response) => {
    response.send('<script src="/chat.js"></script>'); // the page, on the same port as the sockets
  });
  const server = app.listen(port);
  const sessions = new Map([['s3cret', { name: 'ada' }]]); // your session store

  attach(server, {
    path: '/ws',
    origins: ['https://chat.example'],
    maxConnections: 10_000,
    maxConnectionsPerAddress: 20,
    perMessageDeflate: true,
    authorize: (request) => {
      // A token in the query (?token=…) or a session cookie.
      const token =
        new URL(request.url, 'http://localhost').searchParams.get('token') ??
        /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
      const user = token === undefined ? undefined : sessions.get(token);
      return user === undefined ? false : { accept: true, context: user };
    },
    onRefused: ({ status, by, request }) => console.warn(`refused ${request.remoteAddress}: ${status} (${by})`),
  })
    .pipe(
      mergeMap((client) => {
        const { name } = client.context as { name: string };
        return client.packets$.pipe(tap((packet) => client.send(`${name}: ${packet.text ?? ''}`)));
      }),
    )
    .subscribe();

  function shutdown(): Promise<void> {
    // server.close() stops accepting; attach() then closes every client with 1001, and the
    // callback runs once their close handshakes are done and their sockets gone.
    return new Promise((resolve) => server.close(() => resolve()));
  }
  // end example
  return { server, shutdown };
}

export function listenServer(port: number, onListening: (port: number) => void): { shutdown: () => Promise<void> } {
  // example: listen-shutdown
  const clients = new Set<ObservablePeer>();
  let accepting = true;
  const subscription = listen(port, {
    authorize: () => accepting || { status: 503, message: 'Shutting down' },
    onListening,
  })
    .pipe(
      tap((client) => {
        clients.add(client);
        client.close$.subscribe(() => clients.delete(client));
      }),
      mergeMap((client) => client.packets$.pipe(tap((packet) => client.send(packet.text ?? packet.data)))),
    )
    .subscribe();

  async function shutdown(): Promise<void> {
    accepting = false; // 1. new clients get HTTP 503
    const closed = forkJoin([...clients].map((client) => client.close$)).pipe(defaultIfEmpty([]));
    for (const client of clients) client.close(1001, 'Server shutting down'); // 2. going away
    await firstValueFrom(race(closed, timer(5000))); // 3. drain: their close handshakes, at most 5 s
    subscription.unsubscribe(); // 4. release the port; stragglers are dropped
  }
  // end example
  return { shutdown };
}

export function attachEcho(port: number): Server {
  // example: attach-jsdoc
  const app = express();
  app.get('/', (_request, response) => {
    response.send('hello');
  });
  const server = app.listen(port);
  attach(server, { path: '/ws' })
    .pipe(mergeMap((client) => client.packets$.pipe(tap((packet) => client.send(packet.text ?? packet.data)))))
    .subscribe();
  // end example
  return server;
}
