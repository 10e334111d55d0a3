// fromPeer over real sockets, with the default schedulers (connect() is in connect.test.ts).
import { asapScheduler, asyncScheduler, firstValueFrom, lastValueFrom, map, type SchedulerLike, take, toArray } from 'rxjs';
import {
  ErrorCode,
  fromPeer,
  type ObservablePeer,
  State,
  WebSocketPeer,
} from 'rxpeer';
import { within } from '../helpers/poll.js';
import { closeAllServers, startServer, type TestServer } from '../helpers/ws-server.js';

const echo = (server: TestServer): void => {
  server.wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
};

/** Collects a peer's streams until CLOSED. */
function record(socket: ObservablePeer) {
  const states: string[] = [];
  socket.state$.subscribe((s) => states.push(State[s]));
  const packets = lastValueFrom(socket.packets$.pipe(map((p) => p.text ?? [...p.data]), toArray())).catch(
    (error: unknown) => error,
  );
  const close = firstValueFrom(socket.close$);
  return { states, packets, close };
}

afterEach(() => closeAllServers());

const modes: [string, { scheduler?: SchedulerLike; pollInterval?: number }][] = [
  ['on demand (asapScheduler)', {}],
  ['fixed beat (asyncScheduler, 5 ms)', { scheduler: asyncScheduler, pollInterval: 5 }],
];

describe.each(modes)('fromPeer over a real ws server, %s', (_name, options) => {
  it('local close: CONNECTING → OPEN → CLOSING → CLOSED, echoed packets in order', async () => {
    const server = await startServer();
    echo(server);
    const peer = new WebSocketPeer();
    expect(peer.connectToUrl(server.url())).toBe(ErrorCode.OK);
    const socket = fromPeer(peer, options);
    const run = record(socket);
    await within(firstValueFrom(socket.state$.pipe(take(2), toArray())), 'OPEN');
    expect(socket.send('hello')).toBe(ErrorCode.OK);
    expect(socket.send(new Uint8Array([1, 2]))).toBe(ErrorCode.OK);
    const two = await within(firstValueFrom(socket.packets$.pipe(take(2), toArray())), 'two echoes');
    expect(two.map((p) => p.isString)).toEqual([true, false]);
    expect(socket.close(1000, 'bye')).toBe(ErrorCode.OK);
    expect(await within(run.close, 'close$')).toEqual({ code: 1000, reason: 'bye', wasClean: true });
    expect(run.states).toEqual(['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']);
    expect(await run.packets).toEqual(['hello', [1, 2]]);
    expect((await (await server.connection()).waitClosed()).code).toBe(1000);
  });

  it('remote close: OPEN → CLOSING → CLOSED with the code and reason', async () => {
    const server = await startServer({ onConnection: (c) => c.ws.send('before close', () => c.ws.close(4001, 'done')) });
    const peer = new WebSocketPeer();
    peer.connectToUrl(server.url());
    const run = record(fromPeer(peer, options));
    expect(await within(run.close, 'close$')).toEqual({ code: 4001, reason: 'done', wasClean: true });
    expect(run.states).toEqual(['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']);
    expect(await run.packets).toEqual(['before close']);
  });

  it('unclean drop: OPEN → CLOSED (-1) with a cause; packets$ delivers what came and completes', async () => {
    const server = await startServer({ onConnection: (c) => c.ws.send('x', () => c.ws.terminate()) });
    const peer = new WebSocketPeer();
    peer.connectToUrl(server.url());
    const run = record(fromPeer(peer, options));
    expect(await within(run.close, 'close$')).toEqual({
      code: -1,
      reason: '',
      wasClean: false,
      cause: 'the connection was lost without a close frame',
    });
    expect(run.states).toEqual(['CONNECTING', 'OPEN', 'CLOSED']);
    expect(await run.packets).toEqual(['x']);
  });

  it('failed connect: CONNECTING → CLOSED', async () => {
    const server = await startServer();
    const url = server.url();
    await server.close(); // nothing listens on that port any more
    const peer = new WebSocketPeer();
    peer.connectToUrl(url);
    const run = record(fromPeer(peer, options));
    const { port } = new URL(url);
    expect(await within(run.close, 'close$')).toEqual({
      code: -1,
      reason: '',
      wasClean: false,
      cause: `connection refused by 127.0.0.1:${port} (nothing is listening there?)`,
    });
    expect(run.states).toEqual(['CONNECTING', 'CLOSED']);
    expect(await run.packets).toEqual([]);
  });
});

describe('fromPeer scheduling over real sockets', () => {
  it('an idle OPEN peer schedules nothing; one message schedules one poll', async () => {
    const server = await startServer();
    let scheduled = 0;
    const counting: SchedulerLike = {
      now: () => asapScheduler.now(),
      schedule: (work, delay, state) => {
        scheduled++;
        return asapScheduler.schedule(work as never, delay, state);
      },
    };
    const peer = new WebSocketPeer();
    peer.connectToUrl(server.url());
    const socket = fromPeer(peer, { scheduler: counting });
    const closed = firstValueFrom(socket.close$);
    await within(firstValueFrom(socket.state$.pipe(take(2), toArray())), 'OPEN');
    const connection = await server.connection();
    const afterOpen = scheduled;
    // Many event-loop turns with the connection idle: no poll may be scheduled.
    for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(scheduled).toBe(afterOpen);
    const packet = firstValueFrom(socket.packets$);
    await connection.send('wake');
    expect((await within(packet, 'the packet')).text).toBe('wake');
    expect(scheduled - afterOpen).toBe(1); // one wake-up, one poll
    socket.close(1000);
    await within(closed, 'close$');
  });
});
