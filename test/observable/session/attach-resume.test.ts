// resume on attach(): sessions on a port shared with an HTTP server, through a cutting proxy;
// the session keeps the request and authorize context of the connection that started it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Subscription } from 'rxjs';
import { attach, connect, type ObservablePeer } from 'rxpeer';
import { CuttingProxy } from '../../helpers/cutting-proxy.js';
import { deferred, within } from '../../helpers/poll.js';

const subscriptions: Subscription[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('attach(server, { resume }) emits one session across cuts, with the first request and context', async () => {
  const http = createServer((_request, response) => response.end('page'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))));
  const sessions: ObservablePeer[] = [];
  const got: string[] = [];
  const all = deferred();
  subscriptions.push(
    attach(http, { path: '/live', resume: true, authorize: (request) => ({ accept: true, context: { user: request.headers['x-user'] } }) }).subscribe((session) => {
      sessions.push(session);
      session.packets$.subscribe((p) => {
        got.push(p.text!);
        if (got.length === 30) all.resolve();
      });
    }),
  );
  const proxy = await CuttingProxy.start((http.address() as AddressInfo).port);
  cleanups.push(() => proxy.stop());
  const opened = deferred<ObservablePeer>();
  subscriptions.push(connect(`ws://127.0.0.1:${proxy.port}/live`, { resume: true, headers: { 'X-User': 'ada' } }).subscribe(opened.resolve));
  const client = await within(opened.promise, 'the session');
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 10; i++) client.send(`m${round * 10 + i}`);
    await proxy.connected();
    proxy.cut(round === 1 ? 'fin' : 'rst');
  }
  await within(all.promise, 'every message');
  expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
  expect(sessions).toHaveLength(1);
  expect(sessions[0]!.request?.url).toBe('/live');
  expect(sessions[0]!.context).toEqual({ user: 'ada' });
  expect(proxy.accepted).toBeGreaterThan(1);
});
