// The observable layer over real sockets, with the default schedulers.
import { asapScheduler, asyncScheduler, firstValueFrom, lastValueFrom, map, type SchedulerLike, switchMap, take, toArray } from 'rxjs';
import {
  connect,
  ErrorCode,
  fromPeer,
  type ObservablePeer,
  State,
  WebSocketCloseError,
  WebSocketPeer,
} from 'rxpeer';
import * as net from 'node:net';
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

describe('connect()', () => {
  it('emits the ObservablePeer once OPEN, so a message sent at once arrives; completes after a clean close', async () => {
    const server = await startServer();
    echo(server);
    const texts = await within(
      lastValueFrom(
        connect(server.url(), { protocols: [] }).pipe(
          switchMap((socket) => {
            expect(socket.peer.getReadyState()).toBe(State.OPEN);
            expect(socket.send('sent at once')).toBe(ErrorCode.OK);
            return socket.packets$.pipe(
              map((p) => {
                socket.close(1000);
                return p.text;
              }),
            );
          }),
          toArray(),
        ),
      ),
      'connect() to complete',
    );
    expect(texts).toEqual(['sent at once']);
  });

  it('errors with WebSocketCloseError naming the refused address (so retry composes)', async () => {
    const server = await startServer();
    const url = server.url();
    await server.close();
    const error = await within(lastValueFrom(connect(url)).catch((e: unknown) => e), 'connect() error');
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(error).toMatchObject({ code: -1, cause: `connection refused by 127.0.0.1:${new URL(url).port} (nothing is listening there?)` });
    expect((error as Error).message).toMatch(/connection refused by 127\.0\.0\.1/);
  });

  it('says which name did not resolve, which HTTP status came back, which subprotocol was missing', async () => {
    const unknownHost = await lastValueFrom(connect('ws://nothing.invalid:9/')).catch((e: unknown) => e);
    expect((unknownHost as WebSocketCloseError).cause).toMatch(/^DNS lookup (failed|for "nothing\.invalid" failed)/);
    expect((unknownHost as WebSocketCloseError).cause).toMatch(/nothing\.invalid/);

    const http = await startServer({ ws: { verifyClient: (_info, done) => done(false, 404, 'Not Found') } });
    const refused = await within(lastValueFrom(connect(http.url())).catch((e: unknown) => e), 'HTTP refusal');
    expect(refused).toMatchObject({ cause: 'the server answered HTTP 404 instead of accepting the WebSocket upgrade' });

    const picky = await startServer({ ws: { handleProtocols: () => false } });
    const mismatch = await within(lastValueFrom(connect(picky.url(), { protocols: ['chat'] })).catch((e: unknown) => e), 'no protocol');
    expect(mismatch).toMatchObject({ cause: 'the server accepted none of the offered subprotocols: chat' });
  });

  it('fails after connectTimeout when the server never answers the handshake', async () => {
    // A TCP listener that accepts and then says nothing.
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const error = await within(lastValueFrom(connect(`ws://127.0.0.1:${port}/`, { connectTimeout: 50 })).catch((e: unknown) => e), 'timeout');
      expect(error).toMatchObject({ code: -1, cause: 'connect timed out: not open after 50 ms (connectTimeout)' });
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('closes with 1000 when the subscriber leaves', async () => {
    const server = await startServer();
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const subscription = connect(server.url()).subscribe(() => opened());
    await within(open, 'OPEN');
    const connection = await server.connection();
    subscription.unsubscribe();
    expect(await connection.waitClosed()).toEqual({ code: 1000, reason: '' });
  });

  it('applies the peer options: protocols and headers reach the server', async () => {
    const server = await startServer({ ws: { handleProtocols: (protocols) => [...protocols][1] ?? false } });
    let subscription!: { unsubscribe(): void }; // held: unsubscribing closes the connection
    const socket = await within(
      new Promise<ObservablePeer>((resolve) => {
        subscription = connect(server.url('/chat?room=1'), { protocols: ['a', 'b'], headers: { 'X-Client': 'rxpeer' } }).subscribe(resolve);
      }),
      'OPEN',
    );
    expect(socket.peer.getSelectedProtocol()).toBe('b');
    const connection = await server.connection();
    expect(connection.request.headers['x-client']).toBe('rxpeer');
    expect(connection.request.url).toBe('/chat?room=1');
    subscription.unsubscribe();
    expect(await connection.waitClosed()).toEqual({ code: 1000, reason: '' });
  });

  it('refuses bad URLs and options at the call, naming what is wrong', () => {
    expect(() => connect('ws://127.0.0.1:1', { maxQueuedPackets: 0 })).toThrow(TypeError);
    expect(() => connect('ws://127.0.0.1:1', { heartbeatInterval: -1 })).toThrow(/heartbeatInterval/);
    expect(() => connect('ws://127.0.0.1:1', { heartbeatInterval: 2 ** 31 })).toThrow(/heartbeatInterval must be at most/);
    expect(() => connect('ws://127.0.0.1:1', { pollInterval: -5 })).toThrow(RangeError);
    expect(() => connect('http://127.0.0.1:1/')).toThrow('connect: "http://127.0.0.1:1/" uses http:// : a WebSocket URL starts with ws:// or wss:// (did you mean "ws://127.0.0.1:1/"?)');
    expect(() => connect('localhost:8080')).toThrow('did you mean "ws://localhost:8080"?');
    expect(() => connect('ws://127.0.0.1:1/#x')).toThrow(/#fragment/);
    expect(() => connect('ws://127.0.0.1:1/', { headers: ['X-A: 1\r\nX-B: 2'] })).toThrow(/not a valid "Name: value" header/);
    expect(() => connect('ws://127.0.0.1:1/', { headers: { 'X-A': 'a\u0001b' } })).toThrow(TypeError);
    expect(() => connect('ws://127.0.0.1:1/', { protocols: ['a b'] })).toThrow(/protocols/);
    expect(() => connect('ws://127.0.0.1:1/', { protocol: 'chat' } as never)).toThrow(
      /connect: unknown option "protocol" \(did you mean "protocols"\?\)/,
    );
    expect(() => connect('ws://127.0.0.1:1/', { noDelay: 'no' } as never)).toThrow('connect: noDelay must be a boolean, got "no"');
    expect(() => connect('ws://127.0.0.1:1/', { tls: 'x' } as never)).toThrow(/connect: tls must be TLSOptions.client/);
    expect(() => connect('ws://127.0.0.1:1/', 'fast' as never)).toThrow(/options must be an object/);
    expect(() => connect('ws://127.0.0.1:1/', { inboundBufferSize: 10n } as never)).toThrow('inboundBufferSize must be a positive integer, got 10n');
    expect(() => connect('ws://127.0.0.1:1/', { inboundBufferSize: Symbol('s') } as never)).toThrow(/got Symbol\(s\)/);
    expect(() => connect('ws://127.0.0.1:1/', { maxQueuedPackets: Object.create(null) } as never)).toThrow(/null prototype/);
  });
});

describe('connect() ordering', () => {
  it("ends only after the socket's own listeners heard the close (close$ inside switchMap)", async () => {
    const server = await startServer({ onConnection: (c) => c.ws.terminate() });
    const infos: unknown[] = [];
    await within(
      new Promise<void>((resolve) =>
        connect(server.url())
          .pipe(switchMap((socket) => socket.close$))
          .subscribe({ next: (info) => infos.push(info), error: () => resolve() }),
      ),
      'connect() to end',
    );
    expect(infos).toEqual([{ code: -1, reason: '', wasClean: false, cause: 'the connection was lost without a close frame' }]);
  });
});
