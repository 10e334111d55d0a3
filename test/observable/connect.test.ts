// connect(): a cold connection. Each subscription opens its own socket and emits it once,
// when OPEN; it completes after a clean close and errors with WebSocketCloseError (with a
// cause) when the connection fails or closes uncleanly; unsubscribing closes the socket;
// a bad URL or option throws at the call, naming it. Real servers on 127.0.0.1, port 0.
import { once } from 'node:events';
import * as net from 'node:net';
import { lastValueFrom, map, type Observable, switchMap, toArray } from 'rxjs';
import { connect, ErrorCode, type ObservablePeer, State, TLSOptions, WebSocketCloseError } from 'rxpeer';
import { within } from '../helpers/poll.js';
import { closeAllServers, startServer, type TestServer } from '../helpers/ws-server.js';

const echo = (server: TestServer): void => {
  server.wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
};

/** A TCP server that accepts and never answers: a handshake that never completes. */
async function silentServer(): Promise<{ port: number; accepted: Promise<net.Socket>; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket));
  const accepted = once(server, 'connection').then(([socket]) => socket as net.Socket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Everything a subscription saw: how many emissions, then its end. */
function outcome(connection: Observable<ObservablePeer>, onNext: (socket: ObservablePeer) => void = () => {}) {
  const emitted: ObservablePeer[] = [];
  const ended = new Promise<{ completed: true } | { error: unknown }>((resolve) =>
    connection.subscribe({
      next: (socket) => {
        emitted.push(socket);
        onNext(socket);
      },
      complete: () => resolve({ completed: true }),
      error: (error: unknown) => resolve({ error }),
    }),
  );
  return { emitted, ended: within(ended, 'connect() to end') };
}

afterEach(() => closeAllServers());

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
    // dns.lookup answers ENOTFOUND itself: no query leaves the machine.
    const dns = require('node:dns') as typeof import('node:dns');
    const lookup = jest.spyOn(dns, 'lookup').mockImplementation(((hostname: string, ...rest: unknown[]) => {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
      process.nextTick(rest.at(-1) as (error: Error) => void, error);
    }) as unknown as typeof dns.lookup);
    try {
      const unknownHost = await within(lastValueFrom(connect('ws://nothing.invalid:9/')).catch((e: unknown) => e), 'DNS failure');
      expect(lookup).toHaveBeenCalled();
      expect(unknownHost).toMatchObject({ code: -1, cause: 'DNS lookup failed: "nothing.invalid" does not resolve' });
    } finally {
      lookup.mockRestore();
    }

    const http = await startServer({ ws: { verifyClient: (_info, done) => done(false, 404, 'Not Found') } });
    const refused = await within(lastValueFrom(connect(http.url())).catch((e: unknown) => e), 'HTTP refusal');
    expect(refused).toMatchObject({ cause: 'the server answered HTTP 404 instead of accepting the WebSocket upgrade' });

    const picky = await startServer({ ws: { handleProtocols: () => false } });
    const mismatch = await within(lastValueFrom(connect(picky.url(), { protocols: ['chat'] })).catch((e: unknown) => e), 'no protocol');
    expect(mismatch).toMatchObject({ cause: 'the server accepted none of the offered subprotocols: chat' });
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

describe('connect(): the contract', () => {
  it('is cold: every subscription opens its own connection', async () => {
    const server = await startServer();
    const connection = connect(server.url());
    const first = outcome(connection, (socket) => socket.close(1000));
    const second = outcome(connection, (socket) => socket.close(1000));
    expect(await first.ended).toEqual({ completed: true });
    expect(await second.ended).toEqual({ completed: true });
    expect(server.connections).toHaveLength(2);
  });

  it('emits once, when OPEN; an unclean close after that errors with WebSocketCloseError and its cause', async () => {
    // The server drops the TCP connection (no close frame) once the client has spoken.
    const server = await startServer({ onConnection: (c) => c.ws.once('message', () => c.ws.terminate()) });
    const states: State[] = [];
    const { emitted, ended } = outcome(connect(server.url()), (socket) => {
      states.push(socket.peer.getReadyState());
      socket.send('then drop me');
    });
    const end = await ended;
    expect(emitted).toHaveLength(1);
    expect(states).toEqual([State.OPEN]);
    expect('error' in end && end.error).toBeInstanceOf(WebSocketCloseError);
    expect((end as { error: WebSocketCloseError }).error).toMatchObject({
      code: -1,
      wasClean: false,
      cause: 'the connection was lost without a close frame',
    });
  });

  it('a close with a code after OPEN is clean: the stream completes, it does not error', async () => {
    const server = await startServer({ onConnection: (c) => c.ws.close(4000, 'done') });
    const { emitted, ended } = outcome(connect(server.url()));
    expect(await ended).toEqual({ completed: true });
    expect(emitted).toHaveLength(1);
  });

  it('connectTimeout: a server that never completes the handshake gets its socket closed, and nothing is emitted', async () => {
    const silent = await silentServer();
    try {
      const { emitted, ended } = outcome(connect(`ws://127.0.0.1:${silent.port}/`, { connectTimeout: 20 }));
      const socket = await within(silent.accepted, 'the connection at the silent server');
      const closed = once(socket, 'close');
      socket.resume(); // read the request, so its end is seen
      const end = await ended;
      expect(emitted).toHaveLength(0);
      expect((end as { error: unknown }).error).toBeInstanceOf(WebSocketCloseError);
      expect((end as { error: WebSocketCloseError }).error.cause).toBe('connect timed out: not open after 20 ms (connectTimeout)');
      await within(closed, 'the client to close its socket');
    } finally {
      await silent.close();
    }
  });

  it('unsubscribing before OPEN closes the socket, and nothing is emitted or raised', async () => {
    const silent = await silentServer();
    try {
      const events: string[] = [];
      const subscription = connect(`ws://127.0.0.1:${silent.port}/`).subscribe({
        next: () => events.push('next'),
        error: () => events.push('error'),
        complete: () => events.push('complete'),
      });
      const socket = await within(silent.accepted, 'the connection at the silent server');
      const closed = once(socket, 'close');
      socket.resume(); // read the request, so its end is seen
      subscription.unsubscribe();
      await within(closed, 'the client to close its socket');
      expect(events).toEqual([]);
    } finally {
      await silent.close();
    }
  });

  it('a send right after the emission is delivered, even with the server answering at once', async () => {
    const server = await startServer({ onConnection: (c) => void c.send('welcome') });
    echo(server);
    const texts = await within(
      lastValueFrom(
        connect(server.url()).pipe(
          switchMap((socket) => {
            expect(socket.send('first')).toBe(ErrorCode.OK);
            expect(socket.send(new Uint8Array([1, 2, 3]))).toBe(ErrorCode.OK);
            return socket.packets$.pipe(
              map((packet, index) => {
                if (index === 2) socket.close(1000);
                return packet.text ?? [...packet.data];
              }),
            );
          }),
          toArray(),
        ),
      ),
      'three packets',
    );
    expect(texts).toEqual(['welcome', 'first', [1, 2, 3]]);
    const received = await (await server.connection()).received(2);
    expect(received.map((m) => m.isBinary)).toEqual([false, true]);
  });

  it('names the option it refuses: connectTimeout, resume, perMessageDeflate, outboundBufferSize, tls', () => {
    const url = 'ws://127.0.0.1:1/';
    expect(() => connect(url, { connectTimeout: -1 })).toThrow(new RangeError('connect: connectTimeout must be a finite number of milliseconds ≥ 0, got -1'));
    expect(() => connect(url, { connectTimeout: '5s' } as never)).toThrow(new TypeError('connect: connectTimeout must be a number of milliseconds, got "5s"'));
    expect(() => connect(url, { connectTimeout: 2 ** 31 })).toThrow(/connect: connectTimeout must be at most 2147483647 ms/);
    expect(() => connect(url, { resume: 'yes' } as never)).toThrow(/^connect: resume must be true, false or \{ windowMs, maxBufferedBytes \}/);
    expect(() => connect(url, { resume: { window: 5 } } as never)).toThrow(/unknown option "window"/);
    expect(() => connect(url, { perMessageDeflate: { threshold: -1 } })).toThrow(/^connect: perMessageDeflate must be a boolean or \{ threshold: integer ≥ 0 \}/);
    expect(() => connect(url, { outboundBufferSize: 1.5 })).toThrow('connect: outboundBufferSize must be an integer, got 1.5');
    expect(() => connect(url, { tls: TLSOptions.server('key', 'cert') })).toThrow(/connect: tls must be TLSOptions.client/);
  });
});
