// webSocket() without a WebSocketCtor in Node 20 (no global WebSocket): rxpeer's
// WebSocketPeer over ws, against a real ws server on 127.0.0.1, port 0.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { map } from 'rxjs';
import { webSocket } from 'rxpeer/rxjs-compat';
import { deferred, within } from '../helpers/poll.js';
import { startServer, type TestServer } from '../helpers/ws-server.js';
import { Recorder } from './support/recorder.js';

let server: TestServer;

/**
 * By path: /echo echoes; /greet says {"hello":"world"} first; /close closes with 4001
 * "bye" on the first message; /drop drops the TCP connection on the first message;
 * /binary sends the bytes 1, 2, 3; /topics answers {sub: name} with {topic: name, n: 1}.
 * The first subprotocol offered is selected.
 */
beforeEach(async () => {
  server = await startServer({
    ws: { handleProtocols: (protocols) => protocols.values().next().value ?? false },
    onConnection: ({ ws, request }) => {
      const path = request.url ?? '/';
      if (path === '/greet') ws.send('{"hello":"world"}');
      if (path === '/binary') ws.send(Uint8Array.of(1, 2, 3));
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (path === '/echo' || path === '/greet') ws.send(data, { binary: isBinary });
        else if (path === '/close') ws.close(4001, 'bye');
        else if (path === '/drop') ws.terminate();
        else if (path === '/topics') {
          const message = JSON.parse(data.toString()) as { sub?: string };
          if (message.sub !== undefined) ws.send(JSON.stringify({ topic: message.sub, n: 1 }));
        }
      });
    },
  });
});

afterEach(() => server.close());

const texts = (messages: { data: Buffer }[]): string[] => messages.map((m) => m.data.toString());

it('sends what next() got before open, in order, then receives on every subscriber of one connection', async () => {
  const subject = webSocket<{ n: number }>(server.url('/echo'));
  subject.next({ n: 1 });
  const a = new Recorder(subject);
  const b = new Recorder(subject.pipe(map((m) => m.n)));
  subject.next({ n: 2 });
  expect(await a.nextValues(2)).toEqual([{ n: 1 }, { n: 2 }]);
  expect(await b.nextValues(2)).toEqual([1, 2]);
  expect(server.connections).toHaveLength(1);
  expect(texts(server.connections[0]!.messages)).toEqual(['{"n":1}', '{"n":2}']);
  a.subscription.unsubscribe();
  b.subscription.unsubscribe();
  expect(await server.connections[0]!.waitClosed()).toEqual({ code: 1000, reason: '' });
});

it('offers protocol, a string or an array, and tells openObserver', async () => {
  const opened = deferred<Event>();
  const subject = webSocket({ url: server.url('/echo'), protocol: ['chat.v2', 'chat.v1'], openObserver: { next: opened.resolve } });
  const seen = new Recorder(subject);
  const event = await within(opened.promise, 'openObserver');
  expect(event.type).toBe('open');
  expect((event.target as WebSocket).protocol).toBe('chat.v2');
  expect((await server.connection()).request.headers['sec-websocket-protocol']).toBe('chat.v2,chat.v1');
  seen.subscription.unsubscribe();

  const single = new Recorder(webSocket({ url: server.url('/echo'), protocol: 'chat.v1' }));
  expect((await server.connection(1)).request.headers['sec-websocket-protocol']).toBe('chat.v1');
  single.subscription.unsubscribe();
});

it('complete() tells closingObserver, closes with 1000; subscribers complete on the clean close', async () => {
  const closing: unknown[] = [];
  const closed = deferred<CloseEvent>();
  const subject = webSocket({ url: server.url('/greet'), closingObserver: { next: (x) => closing.push(x) }, closeObserver: { next: closed.resolve } });
  const seen = new Recorder(subject);
  await seen.nextValues(1);
  subject.complete();
  expect(closing).toEqual([undefined]);
  expect(await seen.ended()).toEqual(['complete']);
  const event = await closed.promise;
  expect([event.code, event.wasClean]).toEqual([1000, true]);
  expect(await server.connections[0]!.waitClosed()).toEqual({ code: 1000, reason: '' });
});

it('error({ code, reason }) closes with that code and reason, then completes the subscribers', async () => {
  const subject = webSocket(server.url('/greet'));
  const seen = new Recorder(subject);
  await seen.nextValues(1);
  subject.error({ code: 4000, reason: 'done here' });
  expect(await server.connections[0]!.waitClosed()).toEqual({ code: 4000, reason: 'done here' });
  expect(await seen.ended()).toEqual(['complete']);
});

it("error() with a code the peer can't send errors the subscribers with an InvalidAccessError and closes plainly", async () => {
  const subject = webSocket(server.url('/greet'));
  const seen = new Recorder(subject);
  await seen.nextValues(1);
  subject.error({ code: 1337 });
  const [kind, error] = await seen.ended();
  expect(kind).toBe('error');
  expect(error).toMatchObject({ name: 'InvalidAccessError' });
  expect(await server.connections[0]!.waitClosed()).toEqual({ code: 1000, reason: '' });
});

it("the server's clean close completes the subscribers; closeObserver hears its code and reason", async () => {
  const closed = deferred<CloseEvent>();
  const subject = webSocket({ url: server.url('/close'), closeObserver: { next: closed.resolve } });
  const seen = new Recorder(subject);
  subject.next('please close');
  expect(await seen.ended()).toEqual(['complete']);
  const event = await closed.promise;
  expect({ code: event.code, reason: event.reason, wasClean: event.wasClean, type: event.type }).toEqual({
    code: 4001,
    reason: 'bye',
    wasClean: true,
    type: 'close',
  });
});

it('a dropped connection errors the subscribers with the CloseEvent (1006, not clean)', async () => {
  const subject = webSocket(server.url('/drop'));
  const seen = new Recorder(subject);
  subject.next('drop me');
  const [kind, event] = await seen.ended();
  expect(kind).toBe('error');
  expect(event).toMatchObject({ type: 'close', code: 1006, wasClean: false });
});

it("a refused connection errors the subscribers with the 'error' event; closeObserver hears 1006", async () => {
  const port = await freePort();
  const closed = deferred<CloseEvent>();
  const subject = webSocket({ url: `ws://127.0.0.1:${port}/`, closeObserver: { next: closed.resolve } });
  const seen = new Recorder(subject);
  const [kind, event] = await seen.ended();
  expect(kind).toBe('error');
  expect(event).toMatchObject({ type: 'error' });
  expect((event as { message: string }).message).toContain(`ws://127.0.0.1:${port}/`);
  expect(await within(closed.promise, 'closeObserver')).toMatchObject({ code: 1006, wasClean: false });
});

it('a URL a browser would refuse errors the subscriber with a SyntaxError', async () => {
  const seen = new Recorder(webSocket('http//not-a-url'));
  const [kind, error] = await seen.ended();
  expect(kind).toBe('error');
  expect(error).toMatchObject({ name: 'SyntaxError' });
});

it('the last unsubscribe closes the connection, also while connecting; a new subscription opens a new one', async () => {
  const subject = webSocket(server.url('/echo'));
  subject.subscribe().unsubscribe(); // while connecting: the handshake is abandoned
  const seen = new Recorder(subject);
  subject.next('hi');
  await seen.nextValues(1);
  seen.subscription.unsubscribe();
  const last = server.connections.at(-1)!;
  expect(await last.waitClosed()).toEqual({ code: 1000, reason: '' });
  const again = new Recorder(subject);
  subject.next('again');
  expect(await again.nextValues(1)).toEqual(['again']);
  expect(server.connections.at(-1)).not.toBe(last);
  again.subscription.unsubscribe();
});

it('binary messages arrive as Blob by default and as ArrayBuffer with binaryType "arraybuffer"', async () => {
  const asBlob = new Recorder(webSocket({ url: server.url('/binary'), deserializer: (e) => e.data as unknown }));
  const [blob] = await asBlob.nextValues(1);
  expect(blob).toBeInstanceOf(Blob);
  expect([...new Uint8Array(await (blob as Blob).arrayBuffer())]).toEqual([1, 2, 3]);
  asBlob.subscription.unsubscribe();

  const asBuffer = new Recorder(webSocket({ url: server.url('/binary'), binaryType: 'arraybuffer', deserializer: (e) => e.data as unknown }));
  const [buffer] = await asBuffer.nextValues(1);
  expect(buffer).toBeInstanceOf(ArrayBuffer);
  expect([...new Uint8Array(buffer as ArrayBuffer)]).toEqual([1, 2, 3]);
  asBuffer.subscription.unsubscribe();
});

it('a serializer returning bytes or a Blob sends binary frames, in order', async () => {
  const subject = webSocket<number[] | string>({
    url: server.url('/echo'),
    serializer: (value) => (typeof value === 'string' ? new Blob([value]) : Uint8Array.from(value)),
    deserializer: (e) => e.data as string,
  });
  const seen = new Recorder(subject);
  subject.next([1, 2]);
  subject.next('blob');
  subject.next([3]);
  const connection = await server.connection();
  const messages = await connection.received(3);
  expect(messages.map((m) => [m.isBinary, [...m.data]])).toEqual([
    [true, [1, 2]],
    [true, [...Buffer.from('blob')]],
    [true, [3]],
  ]);
  seen.subscription.unsubscribe();
});

it('a serializer exception errors the subscribers with it and closes the connection', async () => {
  const subject = webSocket<unknown>(server.url('/echo'));
  const seen = new Recorder(subject);
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  subject.next(circular);
  const [kind, error] = await seen.ended();
  expect(kind).toBe('error');
  expect(error).toBeInstanceOf(TypeError);
  expect(String((error as Error).message)).toMatch(/circular/i);
});

it('multiplex() subscribes, filters and unsubscribes over one connection', async () => {
  const subject = webSocket<{ topic: string; n: number }>(server.url('/topics'));
  const topic = (name: string) =>
    subject.multiplex(
      () => ({ sub: name }),
      () => ({ unsub: name }),
      (message) => message.topic === name,
    );
  const a = new Recorder(topic('a'));
  const b = new Recorder(topic('b'));
  expect(await a.nextValues(1)).toEqual([{ topic: 'a', n: 1 }]);
  expect(await b.nextValues(1)).toEqual([{ topic: 'b', n: 1 }]);
  expect(server.connections).toHaveLength(1);
  a.subscription.unsubscribe();
  b.subscription.unsubscribe();
  const connection = server.connections[0]!;
  expect(await connection.waitClosed()).toEqual({ code: 1000, reason: '' });
  expect(texts(connection.messages).map((t) => JSON.parse(t))).toEqual([{ sub: 'a' }, { sub: 'b' }, { unsub: 'a' }, { unsub: 'b' }]);
});

/** A port nothing listens on (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
