// resume composed with connection() and reconnect(): the session keeps connection()'s
// queue empty across drops (the session buffers, nothing is held twice or sent twice);
// reconnect() only acts when a session is lost, and the loss is reported on closes$.
import { type Subscription } from 'rxjs';
import { type CloseInfo, connect, connection, listen, type ObservablePeer, reconnect } from 'rxpeer';
import { CuttingProxy } from '../../helpers/cutting-proxy.js';
import { deferred, within } from '../../helpers/poll.js';

const subscriptions: Subscription[] = [];
const proxies: CuttingProxy[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const proxy of proxies.splice(0)) await proxy.stop();
});

async function server() {
  const got: string[] = [];
  const sessions: ObservablePeer[] = [];
  let waiter: { n: number; resolve: () => void } | null = null;
  const ready = deferred<number>();
  subscriptions.push(
    listen(0, { bindAddress: '127.0.0.1', resume: { windowMs: 2000 }, onListening: ready.resolve }).subscribe((session) => {
      sessions.push(session);
      session.packets$.subscribe((p) => {
        got.push(p.text!);
        if (waiter !== null && got.length >= waiter.n) waiter.resolve();
      });
    }),
  );
  const reached = (n: number): Promise<void> => {
    if (got.length >= n) return Promise.resolve();
    const { promise, resolve } = deferred();
    waiter = { n, resolve };
    return within(promise, `${n} messages on the server (got ${got.length})`);
  };
  return { port: await within(ready.promise, 'the server to listen'), got, sessions, reached };
}

describe('resume with connection() and reconnect()', () => {
  it('one session across cuts: every queued message once, in order; a lost session is reported and replaced', async () => {
    const first = await server();
    const proxy = await CuttingProxy.start(first.port);
    proxies.push(proxy);
    const socket = connection(
      connect(`ws://127.0.0.1:${proxy.port}`, { resume: { windowMs: 2000 } }).pipe(reconnect({ initialDelay: 10, maxDelay: 10 })),
    );
    const peers: ObservablePeer[] = [];
    const closes: CloseInfo[] = [];
    const secondPeer = deferred();
    subscriptions.push(socket.peers$.subscribe((p) => peers.push(p) === 2 && secondPeer.resolve()));
    subscriptions.push(socket.closes$.subscribe((c) => closes.push(c)));

    // Sent before the session exists: connection() queues these, then hands them to the session.
    for (let i = 1; i <= 10; i++) socket.send(`m${i}`);
    let next = 11;
    for (let round = 0; round < 10; round++) {
      await first.reached(next - 5);
      await proxy.connected();
      proxy.cut(round % 2 === 0 ? 'rst' : 'fin');
      // Sent while the connection is down: the session holds them, connection()'s queue stays empty.
      for (let i = 0; i < 10; i++) expect(socket.send(`m${next++}`)).toBe('sent');
      expect(socket.queue.size).toBe(0);
    }
    await first.reached(next - 1);
    expect(first.got).toEqual(Array.from({ length: next - 1 }, (_, i) => `m${i + 1}`));
    expect([peers.length, first.sessions.length, closes.length]).toEqual([1, 1, 0]);

    // The server restarts: the session cannot resume; closes$ says so, reconnect() starts a new one.
    const second = await server();
    proxy.retarget(second.port);
    proxy.cut('rst');
    await within(secondPeer.promise, 'the new session');
    socket.send('to the new session');
    await second.reached(1);
    expect(closes).toEqual([
      {
        code: -1,
        reason: '',
        wasClean: false,
        cause: expect.stringMatching(/^the server does not know this session: its window passed or the server restarted( \(\d+ messages? (was|were) sent but never acknowledged\))?$/),
      },
    ]);
    expect([peers.length, second.sessions.length]).toEqual([2, 1]);
    expect(second.got).toEqual(['to the new session']);
  });
});
