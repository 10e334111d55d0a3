// Sessions over real sockets through a proxy that cuts the connection 100 times (RST, FIN,
// and client-side only, which leaves the server a half-open connection to be taken over):
// 10,000 messages each way arrive exactly once, in order, with their kind (text/binary).
import { firstValueFrom, type Subscription } from 'rxjs';
import { connect, listen, type ObservablePeer, type Packet, WebSocketCloseError } from 'rxpeer';
import { type CutKind, CuttingProxy } from '../../helpers/cutting-proxy.js';
import { deferred, within } from '../../helpers/poll.js';

const subscriptions: Subscription[] = [];
const encoder = new TextEncoder();
const proxies: CuttingProxy[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const proxy of proxies.splice(0)) await proxy.stop();
});

/** Message i: odd ones text, even ones 4 binary bytes. */
const message = (i: number): string | Uint8Array => (i % 2 === 1 ? `m${i}` : Uint8Array.of(i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255));
const numberOf = (p: Packet): number =>
  p.isString ? (p.text!.startsWith('m') ? Number(p.text!.slice(1)) : NaN) : p.data.length === 4 ? ((p.data[0]! << 24) | (p.data[1]! << 16) | (p.data[2]! << 8) | p.data[3]!) >>> 0 : NaN;

/** Counts what one side received and checks, as it goes, that it is exactly 1, 2, 3, … */
class Receiver {
  count = 0;
  errors: string[] = [];
  #waiters: { at: number; resolve: () => void }[] = [];

  take(p: Packet): void {
    const n = numberOf(p);
    const kindOk = n % 2 === 1 ? p.isString : !p.isString;
    if (n !== this.count + 1 || !kindOk) {
      if (this.errors.length < 5) this.errors.push(`after ${this.count} got ${p.isString ? JSON.stringify(p.text) : `bytes ${[...p.data]}`}`);
    }
    this.count++;
    this.#waiters = this.#waiters.filter((w) => (this.count >= w.at ? (w.resolve(), false) : true));
  }

  /** Resolves once `n` messages arrived. */
  reached(n: number, what: string): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    const { promise, resolve } = deferred();
    this.#waiters.push({ at: n, resolve });
    return within(promise, `${what} (${this.count} of ${n})`);
  }
}

async function resumeServer(options: Parameters<typeof listen>[1] = {}) {
  const sessions: ObservablePeer[] = [];
  const received = new Receiver();
  const ready = deferred<number>();
  const firstSession = deferred<ObservablePeer>();
  subscriptions.push(
    listen(0, { bindAddress: '127.0.0.1', resume: true, ...options, onListening: ready.resolve }).subscribe((session) => {
      sessions.push(session);
      session.packets$.subscribe((p) => received.take(p));
      firstSession.resolve(session);
    }),
  );
  return { port: await within(ready.promise, 'the server to listen'), sessions, received, firstSession: firstSession.promise };
}

describe('resume over real sockets through a cutting proxy', () => {
  it('10,000 messages each way through 100 cuts: none lost, duplicated or out of order', async () => {
    const TOTAL = 10_000;
    const ROUNDS = 100;
    const PER_ROUND = TOTAL / ROUNDS;
    const server = await resumeServer();
    const proxy = await CuttingProxy.start(server.port);
    proxies.push(proxy);
    const clientReceived = new Receiver();
    let clientError: unknown = null;
    const clients: ObservablePeer[] = [];
    const firstClient = deferred<ObservablePeer>();
    subscriptions.push(
      connect(`ws://127.0.0.1:${proxy.port}`, { resume: true }).subscribe({
        next: (session) => {
          clients.push(session);
          session.packets$.subscribe((p) => clientReceived.take(p));
          firstClient.resolve(session);
        },
        error: (error: unknown) => (clientError = error),
      }),
    );
    const serverSession = await within(server.firstSession, 'the session on the server');
    const client = await within(firstClient.promise, 'the session on the client');
    const kinds: CutKind[] = ['rst', 'fin', 'client-only'];
    let cuts = 0;
    let refused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = round * PER_ROUND + 1; i <= (round + 1) * PER_ROUND; i++) {
        if (client.send(message(i)) !== 0) refused++;
        if (serverSession.send(message(i)) !== 0) refused++;
      }
      // Cut once part of this round got through, so the rest is lost in flight and replayed.
      await clientReceived.reached(round * PER_ROUND + PER_ROUND / 2, `round ${round} on the client`);
      await server.received.reached(round * PER_ROUND + PER_ROUND / 2, `round ${round} on the server`);
      await proxy.connected();
      cuts += proxy.cut(kinds[round % 3]!);

    }
    await clientReceived.reached(TOTAL, 'every message on the client');
    await server.received.reached(TOTAL, 'every message on the server');
    expect({ client: clientReceived.errors, server: server.received.errors }).toEqual({ client: [], server: [] });
    expect([clientReceived.count, server.received.count]).toEqual([TOTAL, TOTAL]);
    expect([clients.length, server.sessions.length, clientError]).toEqual([1, 1, null]);
    expect([cuts, refused]).toEqual([ROUNDS, 0]);
    expect(proxy.accepted).toBeGreaterThanOrEqual(ROUNDS);
  });

  it('a connection cut in the middle of a large message: the whole message arrives once, intact', async () => {
    const server = await resumeServer({ inboundBufferSize: 1 << 20 });
    const bodies: Uint8Array[] = [];
    const proxy = await CuttingProxy.start(server.port);
    proxies.push(proxy);
    let towardServer = 0;
    // Cut once 100 KB of the 256 KiB message went through: the server's WebSocket holds half a frame.
    proxy.dropWhen = (chunk, toClient) => !toClient && (towardServer += chunk.length) > 100_000;
    const firstClient = deferred<ObservablePeer>();
    subscriptions.push(connect(`ws://127.0.0.1:${proxy.port}`, { resume: true }).subscribe(firstClient.resolve));
    const client = await within(firstClient.promise, 'the session on the client');
    const serverSession = await within(server.firstSession, 'the session on the server');
    const got = deferred();
    serverSession.packets$.subscribe((p) => {
      bodies.push(p.isString ? encoder.encode(`text:${p.text}`) : p.data);
      if (bodies.length === 2) got.resolve();
    });
    const big = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 7) & 255);
    expect(client.send(big)).toBe(0);
    expect(client.send('after')).toBe(0);
    await within(got.promise, 'the large message and the next');
    expect(proxy.accepted).toBe(2); // it was cut, and resumed
    expect(Buffer.from(bodies[0]!).equals(Buffer.from(big))).toBe(true);
    expect(new TextDecoder().decode(bodies[1])).toBe('text:after');
  });

  it('a session whose window passes ends on both sides with a cause; the client stream errors', async () => {
    const server = await resumeServer({ resume: { windowMs: 300 } });
    const proxy = await CuttingProxy.start(server.port);
    proxies.push(proxy);
    const clientError = deferred<unknown>();
    const clients: ObservablePeer[] = [];
    subscriptions.push(
      connect(`ws://127.0.0.1:${proxy.port}`, { resume: { windowMs: 300 } }).subscribe({
        next: (session) => clients.push(session),
        error: clientError.resolve,
      }),
    );
    const serverSession = await within(server.firstSession, 'the session on the server');
    const serverClose = firstValueFrom(serverSession.close$);
    proxy.refusing = true;
    proxy.cut('rst');
    expect(clients[0]!.send('kept, then given up')).toBe(0);
    expect(await within(serverClose, 'the server session to end')).toEqual({
      code: -1,
      reason: '',
      wasClean: false,
      cause: 'no reconnect within windowMs (300 ms); the session was given up',
    });
    const error = await within(clientError.promise, 'the client stream to error');
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(await firstValueFrom(clients[0]!.close$)).toEqual({
      code: -1,
      reason: '',
      wasClean: false,
      cause: 'no reconnect within windowMs (300 ms); the session was given up (1 message was sent but never acknowledged)',
    });
  });

  it('a server restart: the resume is refused and the client session ends with the reason', async () => {
    const server = await resumeServer();
    const proxy = await CuttingProxy.start(server.port);
    proxies.push(proxy);
    const clientError = deferred<unknown>();
    const clients: ObservablePeer[] = [];
    subscriptions.push(
      connect(`ws://127.0.0.1:${proxy.port}`, { resume: true }).subscribe({ next: (s) => clients.push(s), error: clientError.resolve }),
    );
    await within(server.firstSession, 'the session on the server');
    const restarted = await resumeServer();
    proxy.retarget(restarted.port);
    proxy.cut('rst');
    await within(clientError.promise, 'the client stream to error');
    expect(await firstValueFrom(clients[0]!.close$)).toEqual({
      code: -1,
      reason: '',
      wasClean: false,
      cause: 'the server does not know this session: its window passed or the server restarted',
    });
    expect(restarted.sessions).toHaveLength(0);
  });
});

