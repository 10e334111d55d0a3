// The `@example`s of the API's JSDoc, run as written. They continue the reader's code, so the
// test gives each the imports its names come from (the user's own imports) and, where the
// example uses names the reader defines (`socket`, `render`, `peer`, `url`), those as globals.
// Only a URL, a port or the heartbeat's seconds-long timings are swapped. Each also meets the
// failure its users meet first: a drop, a server restart, a send before OPEN, a decode error.
import { type Observable, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { connect, connection, fromMultiplayerPeer, fromPeer, type ObservablePeer, reconnect, WebSocketMultiplayerPeer, WebSocketPeer } from 'rxpeer';
import type { Connection } from '../../src/operators/connection.js';
import type { SendQueue } from '../../src/operators/send-queue.js';
import WebSocket from 'ws';
import { within } from '../helpers/poll.js';
import { jsdocExample, runExample } from '../helpers/readme.js';
import { type RestartableServer, useExampleServers } from '../helpers/restartable-server.js';

const RXJS = "import { filter, map, mergeMap, retry, Subject, switchMap, take, tap } from 'rxjs';";
const RXPEER =
  "import { connect, connection, ConnectionStatus, ErrorCode, fromMultiplayerPeer, fromPeer, heartbeat, json, listen, multiplex, reconnect, request, type RequestError, sendQueue, State, binary, text, WebSocketMultiplayerPeer, WebSocketPeer } from 'rxpeer';";
const TESTING = "import { scriptConnections, scriptRemote } from 'rxpeer/testing';";
/** The example of `file` containing `marker`, after the imports a user's file would have. */
const example = (file: string, marker: string): string => `${RXJS}\n${RXPEER}\n${TESTING}\n${jsdocExample(file, marker)}`;

const serve = useExampleServers();

/** An ObservablePeer over a real connection to `server` (the `socket` the decoder examples continue). */
function socketTo(server: RestartableServer): { socket: ObservablePeer; closed: Promise<unknown> } {
  const peer = new WebSocketPeer();
  peer.connectToUrl(server.url());
  const socket = fromPeer(peer);
  return { socket, closed: new Promise((resolve) => socket.close$.subscribe(resolve)) };
}
/** Sends `messages`, then drops the connection (no close frame). */
const sendThenDrop =
  (...messages: (string | Uint8Array)[]) =>
  (ws: WebSocket): void => {
    messages.forEach((message, i) => ws.send(message, i === messages.length - 1 ? () => ws.terminate() : undefined));
  };

describe('decoders: text(), binary(), json()', () => {
  it('text(): skips a binary frame with a warning and ends quietly at a drop', async () => {
    const server = await serve(sendThenDrop('one', new Uint8Array([1]), 'two'));
    const { socket, closed } = socketTo(server);
    const run = runExample(example('src/operators/text.ts', 'text({'), { globals: { socket } });
    await within(closed, 'the drop');
    expect(run.logs).toEqual(['one', 'two']);
    expect(run.warnings).toEqual(['not text: unexpected-binary']);
  });

  it('binary(): skips a text frame with a warning', async () => {
    const server = await serve(sendThenDrop(new Uint8Array([0, 0, 0, 42]), 'oops', new Uint8Array([0, 0, 1, 0])));
    const { socket, closed } = socketTo(server);
    const run = runExample(example('src/operators/binary.ts', 'binary({'), { globals: { socket } });
    await within(closed, 'the drop');
    expect(run.logs.map((line) => line.split(' ')[0])).toEqual(['42', '256']);
    expect(run.warnings).toEqual(['unexpected unexpected-text']);
  });

  it('json(): skips malformed and invalid values with a warning', async () => {
    const server = await serve(sendThenDrop('{"symbol":"A","price":1}', '{"symbol"', '{"symbol":"B"}', '{"symbol":"C","price":3}'));
    const { socket, closed } = socketTo(server);
    const run = runExample(example('src/operators/json.ts', 'json({'), { globals: { socket } });
    await within(closed, 'the drop');
    expect(run.logs).toEqual(['A 1', 'C 3']);
    expect(run.warnings).toEqual(['invalid-json {"symbol"', 'invalid-value {"symbol":"B"}']);
  });
});

describe('fromPeer() and connect()', () => {
  it('fromPeer(): shows the states and packets, and completes at a drop', async () => {
    const server = await serve(sendThenDrop('hello'));
    const run = runExample(example('src/observable/observable-peer.ts', 'fromPeer(peer)'), { replace: { '9080': String(server.port) } });
    await within(run.logged(/^CLOSED$/), 'CLOSED');
    expect(run.logs).toEqual(['CONNECTING', 'OPEN', 'hello', 'CLOSED']);
  });

  it('connect() + retry(): keeps receiving across a server restart; unsubscribing closes with 1000', async () => {
    let greeting = 0;
    const server = await serve((ws) => ws.send(`greeting ${++greeting}`));
    const run = runExample<{ subscription: Subscription }>(example('src/observable/connect.ts', 'retry({'), {
      replace: { '9080': String(server.port) },
      bindings: ['subscription'],
    });
    await within(run.logged(/^greeting 1$/), 'the first greeting');
    await server.stop();
    await server.start();
    await within(run.logged(/^greeting 2$/), 'the greeting after the restart');
    const closed = new Promise<number>((resolve) => server.clients()[0]!.once('close', resolve));
    run.bindings.subscription.unsubscribe();
    expect(await within(closed, 'the close')).toBe(1000);
  });
});

describe('listen()', () => {
  it('the echo server keeps serving the others when one client is killed; unsubscribing closes them with 1001', async () => {
    const run = runExample<{ server: Subscription }>(example('src/observable/listen.ts', 'listen(8000'), { replace: { 'listen(8000': 'listen(0' }, bindings: ['server'] });
    const clients: WebSocket[] = [];
    try {
      const port = Number((await within(run.logged(/^on \d+$/), 'listening')).split(' ')[1]);
      const open = async (): Promise<{ ws: WebSocket; next: Promise<string>; closed: Promise<number> }> => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`, ['demo-chat']);
        clients.push(ws);
        const next = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
        const closed = new Promise<number>((resolve) => ws.on('close', resolve));
        await within(new Promise((resolve) => ws.once('open', resolve)), 'client open');
        return { ws, next, closed };
      };
      const [a, doomed] = [await open(), await open()];
      doomed.ws.send('half');
      doomed.ws.terminate();
      await doomed.closed;
      a.ws.send('still here');
      expect(await within(a.next, 'the echo')).toBe('still here');
      run.bindings.server.unsubscribe();
      expect(await within(a.closed, 'the close at stop')).toBe(1001);
    } finally {
      run.bindings.server?.unsubscribe();
      for (const ws of clients) ws.terminate();
    }
  });
});

describe('operators over a live connection', () => {
  it('heartbeat(): a silent remote is dropped and reconnect() opens a new connection', async () => {
    const server = await serve((ws, index) => {
      if (index > 0) ws.on('message', (data) => data.toString() === '{"type":"ping"}' && ws.send('{"type":"pong"}'));
    });
    const run = runExample<{ connections$: Observable<ObservablePeer> }>(example('src/operators/heartbeat.ts', 'heartbeat({'), {
      replace: { 'wss://example.com/feed': server.url(), 'interval: 15_000': 'interval: 20', 'timeout: 5_000': 'timeout: 40' },
      bindings: ['connections$'],
    });
    const subscription = run.bindings.connections$.subscribe();
    try {
      await server.until(() => (server.received[1]?.length ?? 0) >= 3, 'pings on the second connection');
      expect(server.received).toHaveLength(2);
    } finally {
      subscription.unsubscribe();
    }
    await server.until(() => server.clients().length === 0, 'the close');
  });

  it('connection(): sends before OPEN are queued, and state$ and packets$ go on across a server restart', async () => {
    const server = await serve((ws, index) => ws.send(JSON.stringify({ from: 'server', n: index })));
    const states: string[] = [];
    const shown: unknown[] = [];
    let changed: () => void = () => {};
    const run = runExample<{ socket: Connection }>(example('src/operators/connection.ts', 'connection('), {
      replace: { 'wss://example.com/chat': server.url('/chat') },
      globals: {
        render: (state: string) => {
          states.push(state);
          changed();
        },
        show: (message: unknown) => {
          shown.push(message);
          changed();
        },
      },
      bindings: ['socket'],
    });
    const until = async (condition: () => boolean, what: string): Promise<void> => {
      while (!condition()) await within(new Promise<void>((resolve) => (changed = resolve)), what);
    };
    try {
      await server.until(() => server.received[0]?.length === 1, 'the queued message');
      expect(server.received[0]).toEqual(['{"say":"hi"}']);
      await server.stop();
      await server.start();
      await until(() => shown.length === 2, 'the message after the restart');
      expect(shown).toEqual([{ from: 'server', n: 0 }, { from: 'server', n: 1 }]);
      expect(states).toEqual(['CONNECTING', 'OPEN', 'CLOSED', 'OPEN']);
    } finally {
      run.bindings.socket.close();
    }
    await server.until(() => server.clients().length === 0, 'the close');
  });

  it('multiplex(): one sub for two subscribers to a topic', async () => {
    const server = await serve((ws) =>
      ws.on('message', (data) => {
        const { op, topic } = JSON.parse(data.toString()) as { op: string; topic: string };
        if (op === 'sub') ws.send(JSON.stringify({ topic, price: 1 }));
      }),
    );
    const socket = connection(connect(server.url()).pipe(reconnect({ initialDelay: 10, jitter: 0 })));
    const rendered: unknown[] = [];
    const logged: unknown[] = [];
    let bothSeen: () => void = () => {};
    const both = new Promise<void>((resolve) => (bothSeen = resolve));
    const check = (): void => (rendered.length > 0 && logged.length > 0 ? bothSeen() : undefined);
    runExample(example('src/operators/multiplex.ts', 'multiplex(socket'), {
      globals: {
        socket,
        render: (tick: unknown) => (rendered.push(tick), check()),
        log: (packet: { text?: string }) => (logged.push(packet.text), check()),
      },
    });
    try {
      await within(both, 'the tick at both subscribers');
      expect(rendered).toEqual([{ topic: 'prices/EURUSD', price: 1 }]);
      expect(logged).toEqual(['{"topic":"prices/EURUSD","price":1}']);
      expect(server.received[0]).toEqual(['{"op":"sub","topic":"prices/EURUSD"}']);
    } finally {
      socket.close();
    }
    await server.until(() => server.clients().length === 0, 'the close');
  });

  it('request(): a call made before OPEN is answered; a malformed packet is ignored', async () => {
    const server = await serve((ws) => {
      ws.send('not json');
      ws.on('message', (data) => {
        const { id, params } = JSON.parse(data.toString()) as { id: number; params: number[] };
        ws.send(JSON.stringify({ id, result: params[0]! + params[1]! }));
      });
    });
    const socket = connection(connect(server.url()));
    const state = socket.state$.subscribe();
    try {
      const run = runExample(example('src/operators/request.ts', 'request(socket'), { globals: { socket } });
      expect(await within(run.logged(/^\d+$/), 'the result')).toBe('3');
      expect(run.warnings).toEqual([]);
    } finally {
      state.unsubscribe();
    }
    await server.until(() => server.clients().length === 0, 'the close');
  });

  it('sendQueue(): queued before OPEN, flushed once the peer is OPEN; a volatile send before OPEN is dropped', async () => {
    const server = await serve();
    const peer = new WebSocketPeer();
    peer.connectToUrl(server.url());
    const run = runExample<{ outbox: SendQueue; attached: Subscription }>(example('src/operators/send-queue.ts', 'const outbox'), {
      globals: { peer },
      bindings: ['outbox', 'attached'],
    });
    try {
      await server.until(() => server.received[0]?.length === 1, 'the queued message');
      expect(server.received[0]).toEqual(['hello']);
      expect(run.warnings).toHaveLength(1);
      expect(run.warnings[0]).toMatch(/^dropped /);
    } finally {
      run.bindings.attached.unsubscribe();
      peer.close();
    }
    await server.until(() => server.clients().length === 0, 'the close');
  });

  it('connection({ queue: sendQueue(...) }): what is sent before OPEN arrives', async () => {
    const server = await serve();
    const dropped: string[] = [];
    const run = runExample<{ socket: Connection }>(example('src/operators/send-queue.ts', 'metrics.dropped'), {
      globals: { url: server.url(), metrics: { dropped: (reason: string) => dropped.push(reason) } },
      bindings: ['socket'],
    });
    const { socket } = run.bindings;
    const state = socket.state$.subscribe();
    try {
      expect(socket.send('early')).toBe('queued');
      await server.until(() => server.received[0]?.length === 1, 'the queued message');
      expect(server.received[0]).toEqual(['early']);
      expect(dropped).toEqual([]);
    } finally {
      state.unsubscribe();
    }
    await server.until(() => server.clients().length === 0, 'the close');
  });
});

describe('fromMultiplayerPeer()', () => {
  it('sends to the server once CONNECTED', async () => {
    const host = new WebSocketMultiplayerPeer();
    expect(host.createServer(0)).toBe(0);
    expect(await host.ready()).toBe(0);
    const hosted = fromMultiplayerPeer(host);
    const received = new Promise<string>((resolve) => hosted.packets$.subscribe(({ data }) => resolve(new TextDecoder().decode(data))));
    const run = runExample(example('src/observable/observable-multiplayer-peer.ts', 'fromMultiplayerPeer(peer)'), { replace: { '8080': String(host.getLocalPort()) } });
    try {
      expect(await within(received, 'the hello at the server')).toBe('hello');
      expect(run.logs).toContain('players [1]');
    } finally {
      host.close();
    }
  });
});

describe('rxpeer/testing (marbles)', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('scriptRemote()', async () => {
    await runExample(example('src/testing/scripted-remote.ts', 'scriptRemote('), { globals: { testScheduler } }).done;
  });

  it('scriptConnections(): a drop, a refused connection, a clean close', async () => {
    await runExample(example('src/testing/scripted-connections.ts', 'scriptConnections('), { globals: { testScheduler } }).done;
  });
});
