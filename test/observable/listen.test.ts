// listen(): a cold server of ObservablePeers, over real sockets on 127.0.0.1.
import { connect as netConnect } from 'node:net';
import { asapScheduler, firstValueFrom, lastValueFrom, mergeMap, type SchedulerAction, type SchedulerLike, type Subscription, tap, toArray } from 'rxjs';
import WebSocket from 'ws';
import { connect, ErrorCode, listen, type ObservablePeer, State, TLSOptions, WebSocketPeerError } from 'rxpeer';
import { generateCertificates, type TestCertificates } from '../helpers/certs.js';
import { within } from '../helpers/poll.js';

const subscriptions: Subscription[] = [];
afterEach(() => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
});

/** Starts an echo server on port 0; resolves with its port and the stream of clients it saw. */
async function echoServer(options: Parameters<typeof listen>[1] = {}) {
  const clients: ObservablePeer[] = [];
  let bound!: (port: number) => void;
  const port = new Promise<number>((resolve) => (bound = resolve));
  subscriptions.push(
    listen(0, { bindAddress: '127.0.0.1', ...options, onListening: bound })
      .pipe(
        tap((client) => clients.push(client)),
        mergeMap((client) => client.packets$.pipe(tap((p) => client.send(p.isString ? p.text! : p.data)))),
      )
      .subscribe({ error: () => {} }),
  );
  return { port: await within(port, 'the server to listen'), clients };
}

function wsClient(url: string, protocols: string[] = []): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols);
  return within(
    new Promise<WebSocket>((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }),
    'the ws client to open',
  );
}

const nextMessage = (ws: WebSocket): Promise<string> =>
  within(new Promise((resolve) => ws.once('message', (data) => resolve(String(data)))), 'a message');
const closed = (ws: WebSocket): Promise<{ code: number; reason: string }> =>
  within(new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }))), 'the close');

describe('listen()', () => {
  it('emits each client once OPEN, with its protocol, and serves text and binary', async () => {
    const { port, clients } = await echoServer({ protocols: ['demo-chat'] });
    const ws = await wsClient(`ws://127.0.0.1:${port}/room?x=1`, ['other', 'demo-chat']);
    expect(ws.protocol).toBe('demo-chat');
    ws.send('hello');
    expect(await nextMessage(ws)).toBe('hello');
    expect(clients).toHaveLength(1);
    expect(clients[0]!.peer.getReadyState()).toBe(State.OPEN);
    expect(clients[0]!.peer.getRequestedUrl()).toBe(`ws://127.0.0.1:${port}/room?x=1`);
    const binary = within(new Promise<Buffer>((resolve) => ws.once('message', (d) => resolve(d as Buffer))), 'binary echo');
    ws.send(Buffer.from([1, 2, 3]));
    expect([...(await binary)]).toEqual([1, 2, 3]);
    ws.close(4000, 'bye');
    expect(await closed(ws)).toEqual({ code: 4000, reason: 'bye' });
  });

  it('serves an rxpeer client through connect()', async () => {
    const { port } = await echoServer();
    const texts = await within(
      lastValueFrom(
        connect(`ws://127.0.0.1:${port}/`).pipe(
          mergeMap((socket) => {
            socket.state$.subscribe((s) => s === State.OPEN && socket.send('round trip'));
            return socket.packets$.pipe(tap(() => socket.close(1000)));
          }),
          toArray(),
        ),
      ),
      'the round trip',
    );
    expect(texts.map((p) => p.text)).toEqual(['round trip']);
  });

  it('never emits clients whose handshake fails or times out, and keeps serving', async () => {
    const { port, clients } = await echoServer({ handshakeTimeout: 50 });
    const silent = netConnect(port, '127.0.0.1');
    const silentClosed = within(new Promise<void>((resolve) => silent.once('close', () => resolve())), 'the silent client to be dropped');
    silent.on('error', () => {});
    const garbage = netConnect(port, '127.0.0.1', () => garbage.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const refusal = within(
      new Promise<string>((resolve) => garbage.once('data', (d) => resolve(String(d).split('\r\n')[0]!))),
      'the 400',
    );
    expect(await refusal).toBe('HTTP/1.1 400 Bad Request');
    await silentClosed; // dropped after handshakeTimeout
    const ws = await wsClient(`ws://127.0.0.1:${port}/`);
    ws.send('still here');
    expect(await nextMessage(ws)).toBe('still here');
    expect(clients).toHaveLength(1);
    garbage.destroy();
    ws.terminate();
  });

  it('drops every client still handshaking at its deadline, and only those', async () => {
    const { port, clients } = await echoServer({ handshakeTimeout: 100 });
    const ws = await wsClient(`ws://127.0.0.1:${port}/`); // first: its deadline is the earliest
    const silent = [0, 1, 2].map(() => netConnect(port, '127.0.0.1').on('error', () => {}));
    const dropped = Promise.all(
      silent.map((socket, i) => within(new Promise<void>((resolve) => socket.once('close', () => resolve())), `silent client ${i}`)),
    );
    await dropped; // every deadline, the good client's included, has passed by now ...
    ws.send('after the deadlines');
    expect(await nextMessage(ws)).toBe('after the deadlines'); // ... and the good one is still served
    expect(clients).toHaveLength(1);
    ws.terminate();
  });

  it('handshakeTimeout: 0 sets no deadline: a client kept waiting by authorize arms no timer', async () => {
    // Every delayed action the server's scheduler is asked for (the peers' timers included).
    const delays: number[] = [];
    const scheduler: SchedulerLike = {
      now: () => asapScheduler.now(),
      schedule: ((work: (this: SchedulerAction<unknown>, state?: unknown) => void, delay = 0, state?: unknown) => {
        delays.push(delay);
        return asapScheduler.schedule(work, delay, state);
      }) as SchedulerLike['schedule'],
    };
    let asked!: () => void;
    const authorizing = new Promise<void>((resolve) => (asked = resolve));
    const { port } = await echoServer({
      handshakeTimeout: 0,
      scheduler,
      authorize: () => {
        asked();
        return new Promise<boolean>(() => {}); // never answers
      },
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.on('error', () => {});
    await within(authorizing, 'authorize to be asked');
    await new Promise((resolve) => setImmediate(resolve)); // the poll that asked has armed whatever it arms
    expect(delays.filter((delay) => delay > 0)).toEqual([]);
    ws.terminate();
  });

  it('unsubscribing stops the server and closes clients with 1001', async () => {
    let bound!: (port: number) => void;
    const portReady = new Promise<number>((resolve) => (bound = resolve));
    let emitted!: () => void;
    const clientEmitted = new Promise<void>((resolve) => (emitted = resolve));
    const subscription = listen(0, { bindAddress: '127.0.0.1', onListening: bound }).subscribe(() => emitted());
    const port = await within(portReady, 'listening');
    const ws = await wsClient(`ws://127.0.0.1:${port}/`);
    await within(clientEmitted, 'the client to be emitted');
    const wsClosed = closed(ws);
    subscription.unsubscribe();
    expect((await wsClosed).code).toBe(1001);
    const refused = new WebSocket(`ws://127.0.0.1:${port}/`);
    const error = await within(new Promise<Error>((resolve) => refused.once('error', resolve)), 'a refused connection');
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('errors with WebSocketPeerError ERR_ALREADY_IN_USE when the port is taken', async () => {
    const { port } = await echoServer();
    const error = await within(lastValueFrom(listen(port, { bindAddress: '127.0.0.1' })).catch((e: unknown) => e), 'the error');
    expect(error).toBeInstanceOf(WebSocketPeerError);
    expect((error as WebSocketPeerError).errorCode).toBe(ErrorCode.ERR_ALREADY_IN_USE);
  });

  it('rejects bad arguments when called', () => {
    expect(() => listen(-1)).toThrow(RangeError);
    expect(() => listen(70000)).toThrow(/port/);
    expect(() => listen(0, { handshakeTimeout: -1 })).toThrow(/handshakeTimeout/);
    expect(() => listen(0, { tls: TLSOptions.client() })).toThrow(/TLSOptions.server/);
    expect(() => listen(0, { tls: TLSOptions.server('not a key', 'not a certificate') })).toThrow(/that load/);
    expect(() => listen(0, { headers: ['no colon here'] })).toThrow(/header/);
    expect(() => listen(0, { protocols: ['demo chat'] })).toThrow(/protocols/);
    expect(() => listen(0, { maxQueuedPackets: 0 })).toThrow(TypeError);
    expect(() => listen(0, { pollInterval: -1 })).toThrow(RangeError);
  });

  describe('with TLS', () => {
    let certs: TestCertificates;
    beforeAll(() => (certs = generateCertificates()));
    afterAll(() => certs.remove());

    it('serves wss:// to a client that trusts the CA', async () => {
      const { port } = await echoServer({ tls: TLSOptions.server(certs.local.key, certs.local.cert) });
      const socket = await within(
        new Promise<ObservablePeer>((resolve) => {
          subscriptions.push(
            connect(`wss://127.0.0.1:${port}/`, { tls: TLSOptions.client({ trustedCa: certs.ca }) }).subscribe({ next: resolve, error: () => {} }),
          );
        }),
        'OPEN over TLS',
      );
      const echoed = firstValueFrom(socket.packets$);
      socket.send('secret');
      expect((await within(echoed, 'the echo')).text).toBe('secret');
    });
  });
});
