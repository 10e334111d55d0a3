// reconnect + the send queue against a real server that goes away and comes back on the
// same port: what is sent during the outage arrives exactly once, in order, afterwards.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom, lastValueFrom, type Subscription } from 'rxjs';
import { WebSocketServer } from 'ws';
import { connect, connection, reconnect, State, type ReconnectAttempt } from 'rxpeer';
import { within } from '../helpers/poll';
import { ServerConnection } from '../helpers/ws-server';

/** A ws server on 127.0.0.1 that can be stopped (its clients terminated: no close frame) and started again on its port. */
class RestartableServer {
  port = 0;
  /** Connections per run: runs[0] before the outage, runs[1] after. */
  readonly runs: ServerConnection[][] = [];
  #http: Server | null = null;
  #wss: WebSocketServer | null = null;
  #connectionWaiters: (() => void)[] = [];

  async start(): Promise<void> {
    const connections: ServerConnection[] = [];
    this.runs.push(connections);
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws, request) => {
      connections.push(new ServerConnection(ws, request));
      const waiters = this.#connectionWaiters;
      this.#connectionWaiters = [];
      for (const resolve of waiters) resolve();
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (http.address() as AddressInfo).port;
    this.#http = http;
    this.#wss = wss;
  }

  /** The first connection of the current run, once it exists. */
  async connection(): Promise<ServerConnection> {
    const run = this.runs[this.runs.length - 1]!;
    while (run.length === 0) {
      await within(new Promise<void>((resolve) => this.#connectionWaiters.push(resolve)), 'a connection at the server');
    }
    return run[0]!;
  }

  async stop(): Promise<void> {
    const http = this.#http;
    const wss = this.#wss;
    if (http === null || wss === null) return;
    this.#http = null;
    this.#wss = null;
    for (const client of wss.clients) client.terminate(); // an unclean drop, as a crash would be
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeAllConnections();
    await within(closed, 'the http server to close');
    await within(Promise.all(this.runs.flat().map((c) => c.closed)), 'every server-side socket to close');
  }
}

const texts = (connection: ServerConnection): string[] => connection.messages.map((m) => m.data.toString());

describe('reconnect + send queue, end to end', () => {
  const server = new RestartableServer();
  const subscriptions: Subscription[] = [];

  afterEach(async () => {
    for (const subscription of subscriptions) subscription.unsubscribe();
    await server.stop();
  });

  it('messages sent during an outage arrive exactly once, in order, after the server is back on the same port', async () => {
    await server.start();
    const port = server.port;
    const attempts: ReconnectAttempt[] = [];
    let attemptWaiter: (() => void) | null = null;
    const socket = connection(
      connect(`ws://127.0.0.1:${port}/`).pipe(
        reconnect({
          initialDelay: 20,
          maxDelay: 100,
          jitter: 0,
          onAttempt: (attempt) => {
            attempts.push(attempt);
            attemptWaiter?.();
          },
        }),
      ),
      { queue: { limit: 100, overflow: 'error' } },
    );
    const states: State[] = [];
    subscriptions.push(socket.state$.subscribe({ next: (s) => states.push(s), error: () => {} }));
    const reached = (state: State): Promise<State> =>
      within(firstValueFrom(socket.state$.pipe(filter((s) => s === state))), `state ${State[state]}`);

    // Online: sent at once.
    await reached(State.OPEN);
    expect(socket.send('before-1')).toBe('sent');
    expect(socket.send('before-2')).toBe('sent');
    const first = await server.connection();
    await first.received(2);

    // The server goes away without a close frame.
    await server.stop();
    await reached(State.CLOSED);
    const during = ['outage-1', 'outage-2', 'outage-3'];
    for (const message of during) expect(socket.send(message)).toBe('queued');

    // Let at least one reconnect fail against the closed port, and keep sending.
    while (attempts.length < 2) {
      await within(new Promise<void>((resolve) => (attemptWaiter = resolve)), 'a failed reconnect attempt');
    }
    attemptWaiter = null;
    const later = ['outage-4', 'outage-5'];
    for (const message of later) expect(socket.send(message)).toBe('queued');
    expect(socket.queue.size).toBe(5);

    // Back on the same port: the queue is flushed on OPEN, then live sends follow.
    await server.start();
    expect(server.port).toBe(port);
    await reached(State.OPEN);
    expect(socket.queue.size).toBe(0);
    expect(socket.send('after')).toBe('sent');
    const second = await server.connection();
    await second.received(6);

    expect(texts(first)).toEqual(['before-1', 'before-2']);
    expect(texts(second)).toEqual([...during, ...later, 'after']);
    expect(server.runs.map((run) => run.length)).toEqual([1, 1]);
    expect(attempts.every((a) => !a.close.wasClean && a.close.code === -1)).toBe(true);
    expect(states.slice(0, 3)).toEqual([State.CONNECTING, State.OPEN, State.CLOSED]);
    expect(states[states.length - 1]).toBe(State.OPEN);

    // A clean close ends it all (reconnect retries unclean closes only).
    socket.close(1000, 'done');
    await within(lastValueFrom(socket.state$, { defaultValue: State.CLOSED }), 'the state stream to complete');
    expect(await second.waitClosed()).toEqual({ code: 1000, reason: 'done' });
    expect(texts(second)).toHaveLength(6);
  });
});
