// What `resume` accepts, what it refuses (naming the option), and what a session server
// answers to clients that do not follow the protocol or do not speak it.
import { type Subscription } from 'rxjs';
import WebSocket from 'ws';
import { connect, listen, type ObservablePeer, WebSocketCloseError } from 'rxpeer';
import { deferred, within } from '../../helpers/poll.js';

const subscriptions: Subscription[] = [];
afterEach(() => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
});

describe('resume option', () => {
  it.each([
    ['yes', TypeError, 'connect: resume must be true, false or { windowMs, maxBufferedBytes }, got "yes"'],
    [{ windwMs: 1 }, TypeError, 'connect: resume: unknown option "windwMs" (did you mean "windowMs"?)'],
    [{ windowMs: -1 }, RangeError, 'connect: resume.windowMs must be a finite number of milliseconds > 0, got -1'],
    [{ windowMs: 2 ** 31 }, RangeError, 'connect: resume.windowMs must be at most 2147483647 ms'],
    [{ maxBufferedBytes: 1.5 }, RangeError, 'connect: resume.maxBufferedBytes must be a positive integer (bytes), got 1.5'],
    [{ maxBufferedBytes: 10n }, RangeError, 'got 10n'],
  ])('connect refuses resume %p at the call', (resume, type, message) => {
    expect(() => connect('ws://127.0.0.1:1', { resume } as never)).toThrow(type);
    expect(() => connect('ws://127.0.0.1:1', { resume } as never)).toThrow(message);
  });

  it('listen refuses a bad resume at the call too', () => {
    expect(() => listen(0, { resume: { windowMs: 0 } })).toThrow('listen: resume.windowMs must be a finite number of milliseconds > 0, got 0');
  });

  it('resume: false is plain rxpeer', async () => {
    const ready = deferred<number>();
    const clients: ObservablePeer[] = [];
    subscriptions.push(listen(0, { bindAddress: '127.0.0.1', onListening: ready.resolve }).subscribe((c) => clients.push(c)));
    const port = await within(ready.promise, 'listen');
    const opened = deferred<ObservablePeer>();
    subscriptions.push(connect(`ws://127.0.0.1:${port}`, { resume: false }).subscribe(opened.resolve));
    expect((await within(opened.promise, 'connect')).peer.getSelectedProtocol()).toBe('');
  });
});

describe('a resume server and clients that do not speak the protocol', () => {
  async function resumeServer(protocols?: string[]) {
    const ready = deferred<number>();
    const emitted: ObservablePeer[] = [];
    subscriptions.push(
      listen(0, { bindAddress: '127.0.0.1', resume: true, handshakeTimeout: 300, onListening: ready.resolve, ...(protocols ? { protocols } : {}) }).subscribe(
        (c) => emitted.push(c),
      ),
    );
    return { port: await within(ready.promise, 'listen'), emitted };
  }

  function rawClient(port: number, protocols: string[]): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, protocols);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('error', () => {});
    return within(new Promise((resolve) => ws.once('open', () => resolve({ ws, closed }))), 'the raw client to open');
  }

  it('a session client that sends text, garbage or an unknown version is closed with 1002 and never emitted', async () => {
    const { port, emitted } = await resumeServer();
    for (const first of ['hello', Buffer.from([0x09, 1, 2]), Buffer.from([0x01, 99])]) {
      const { ws, closed } = await rawClient(port, ['rxpeer-session.v1']);
      ws.send(first);
      expect(await within(closed, 'the close')).toEqual({ code: 1002, reason: 'Protocol error' });
    }
    expect(emitted).toHaveLength(0);
  });

  it('a session client that says nothing is dropped after handshakeTimeout', async () => {
    const { port } = await resumeServer();
    const { closed } = await rawClient(port, ['rxpeer-session.v1']);
    expect((await within(closed, 'the drop')).code).toBe(1006);
  });

  it('with protocols, plain clients of those protocols are served as before', async () => {
    const { port, emitted } = await resumeServer(['chat']);
    const { ws } = await rawClient(port, ['chat']);
    expect(ws.protocol).toBe('chat');
    await within(
      (async () => {
        for (let i = 0; i < 1000 && emitted.length === 0; i++) await new Promise((r) => setImmediate(r));
      })(),
      'the plain client to be emitted',
    );
    expect(emitted[0]!.peer.getSelectedProtocol()).toBe('chat');
    const echo = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    emitted[0]!.send('plain text, no session header');
    expect(await within(echo, 'the message')).toBe('plain text, no session header');
    ws.close();
  });

  it('a resume client and a server that does not speak sessions: the connect fails with a cause', async () => {
    const ready = deferred<number>();
    subscriptions.push(listen(0, { bindAddress: '127.0.0.1', protocols: ['chat'], onListening: ready.resolve }).subscribe());
    const port = await within(ready.promise, 'listen');
    const failed = deferred<unknown>();
    subscriptions.push(connect(`ws://127.0.0.1:${port}`, { protocols: ['chat'], resume: true }).subscribe({ error: failed.resolve }));
    const error = await within(failed.promise, 'the connect to fail');
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect((error as WebSocketCloseError).cause).toMatch(/400|subprotocol/);
  });
});
