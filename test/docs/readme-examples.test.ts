// The README's examples, run as written (only their fixed port is swapped for a free one),
// each with the failure its users meet first: a dropped connection, a restarted server, a
// client killed mid-stream, a message sent at once, a burst larger than the buffers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Subscription } from 'rxjs';
import WebSocket, { WebSocketServer } from 'ws';
import { within } from '../helpers/poll.js';
import { jsdocExample, readmeBlock, runExample } from '../helpers/readme.js';
import { closeAllServers, startServer } from '../helpers/ws-server.js';

afterEach(() => closeAllServers());

const echo = (ws: WebSocket): void => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
};

describe('README: Streams: fromPeer', () => {
  it('sends once OPEN, shows the echo, and reports a drop with its cause instead of erroring', async () => {
    const server = await startServer({ onConnection: (c) => echo(c.ws) });
    const example = runExample(readmeBlock('## Streams: `fromPeer`', 'fromPeer(peer)'), { replace: { '9080': String(server.port) } });
    await within(example.logged(/^hello$/), 'the echo of the message sent on OPEN');
    (await server.connection()).ws.terminate(); // the server drops the connection
    const close = await within(example.logged(/^-1 /), 'close$');
    expect(close).toBe('-1  false the connection was lost without a close frame');
    expect(example.logs).toEqual(['CONNECTING', 'OPEN', 'hello', 'CLOSED', close]);
  });
});

describe('README: connect()', () => {
  it('keeps receiving across a server restart on the same port (retry reconnects)', async () => {
    // A server on a fixed port, stopped and started again as a deploy would.
    let http: Server;
    let wss: WebSocketServer;
    const start = async (port: number, greeting: string): Promise<number> => {
      http = createServer();
      wss = new WebSocketServer({ server: http });
      wss.on('connection', (ws) => ws.send(greeting));
      await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
      return (http.address() as AddressInfo).port;
    };
    const stop = async (): Promise<void> => {
      for (const client of wss.clients) client.terminate(); // clients see a drop, no close frame
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    };
    const port = await start(0, 'before the restart');
    const example = runExample<{ subscription: Subscription }>(readmeBlock('### `connect()`: a cold connection', "connect('ws://"), {
      replace: { '8000': String(port) },
      bindings: ['subscription'],
    });
    try {
      await within(example.logged(/^before the restart$/), 'the first greeting');
      await stop();
      await start(port, 'after the restart');
      await within(example.logged(/^after the restart$/), 'the greeting after the restart', 10_000);
      expect(example.bindings.subscription.closed).toBe(false);
    } finally {
      example.bindings.subscription.unsubscribe();
      await stop();
    }
  });
});

describe('README: listen()', () => {
  it('the echo server keeps serving the others when one client is killed mid-stream, and answers a burst', async () => {
    const example = runExample<{ server: Subscription }>(readmeBlock('### `listen()`: a server of ObservablePeers (Node)', 'listen(9080'), {
      replace: { 'listen(9080': 'listen(0' },
      bindings: ['server'],
    });
    const clients: WebSocket[] = [];
    try {
      const port = Number((await within(example.logged(/^listening on \d+$/), 'listening')).split(' ').pop());
      const open = async (): Promise<{ ws: WebSocket; received: string[]; closed: Promise<number> }> => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`, ['demo-chat']);
        clients.push(ws);
        const received: string[] = [];
        ws.on('message', (data) => received.push(data.toString()));
        const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
        await within(new Promise((resolve) => ws.once('open', resolve)), 'client open');
        return { ws, received, closed };
      };
      const [a, doomed, c] = [await open(), await open(), await open()];
      doomed.ws.send('half a conversation');
      doomed.ws.terminate(); // killed mid-stream: no close frame
      await doomed.closed;
      for (const client of [a, c]) client.ws.send('still here');
      await within(
        (async () => {
          for (let turn = 0; turn < 10_000 && (a.received.length < 1 || c.received.length < 1); turn++) await new Promise((r) => setImmediate(r));
        })(),
        'echoes after the drop',
      );
      expect(a.received).toEqual(['still here']);
      expect(c.received).toEqual(['still here']);
      expect(example.bindings.server.closed).toBe(false);

      // A burst beyond the outbound buffer: every message is echoed, or the client is told (1013).
      const burst = Array.from({ length: 3000 }, (_, i) => `${i}:${'x'.repeat(100)}`);
      for (const message of burst) c.ws.send(message);
      const outcome = await within(
        Promise.race([
          c.closed.then((code) => ({ closedWith: code })),
          (async () => {
            for (let turn = 0; turn < 100_000 && c.received.length < burst.length + 1; turn++) await new Promise((r) => setImmediate(r));
            return { closedWith: null };
          })(),
        ]),
        'the burst',
      );
      const echoed = c.received.slice(1);
      expect(echoed).toEqual(burst.slice(0, echoed.length)); // in order, nothing skipped
      if (echoed.length < burst.length) expect(outcome.closedWith).toBe(1013);

      // Stopping the server closes the clients still connected with 1001.
      example.bindings.server.unsubscribe();
      expect(await within(a.closed, 'close at stop')).toBe(1001);
    } finally {
      example.bindings.server?.unsubscribe();
      for (const ws of clients) ws.terminate();
    }
  });
});

describe('JSDoc: reconnect()', () => {
  it('connect().pipe(reconnect(), switchMap(packets$)) keeps delivering across a drop', async () => {
    let connections = 0;
    const server = await startServer({
      onConnection: (c) => {
        connections++;
        c.ws.send(`hello ${connections}`);
        if (connections === 1) setImmediate(() => c.ws.terminate()); // the first connection drops
      },
    });
    // The example's imports are the user's: rxjs and rxpeer.
    const code = `import { Subject, switchMap } from 'rxjs';\nimport { connect, reconnect, type ReconnectAttempt } from 'rxpeer';\n${jsdocExample(
      'src/operators/reconnect.ts',
      'reconnect({',
    )}`;
    const example = runExample<{ feed: Subscription }>(code, { replace: { 'wss://example.com/feed': server.url() }, bindings: ['feed'] });
    try {
      await within(example.logged(/^hello 2$/), 'the message after the reconnect', 10_000);
      expect(example.logs).toContain('hello 1');
      expect(example.logs.some((line) => /^retry #1 in \d+ ms$/.test(line))).toBe(true);
      expect(example.bindings.feed.closed).toBe(false);
    } finally {
      example.bindings.feed.unsubscribe();
    }
  });
});
