// The README's operator examples, run as written (only a URL or a port is swapped for the
// test server's, and the heartbeat's 15 s for milliseconds), each with the failure its users
// meet first: a decode error, a server restart, a message sent before the connection is
// OPEN, a remote that stops answering pings. Blocks that continue one another ("connections$
// from the reconnect() example above") run as one program, as a user pastes them.
import { type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromPeer, type ObservablePeer, type ReconnectAttempt, State, WebSocketPeer } from 'rxpeer';
import type { Connection } from '../../src/operators/connection.js';
import { within } from '../helpers/poll.js';
import { readmeBlock, runExample } from '../helpers/readme.js';
import { useExampleServers } from '../helpers/restartable-server.js';

const serve = useExampleServers();

/** What `render` was called with, and a way to wait for it. */
function recorder(): unknown[] & { push(value: unknown): number; until(condition: () => boolean, what: string): Promise<void> } {
  const values: unknown[] = [];
  let waiters: (() => void)[] = [];
  return Object.assign(values, {
    push(...items: unknown[]): number {
      const length = Array.prototype.push.apply(values, items);
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
      return length;
    },
    async until(condition: () => boolean, what: string): Promise<void> {
      while (!condition()) await within(new Promise<void>((resolve) => waiters.push(resolve)), what);
    },
  });
}

describe('README: Decoding', () => {
  it('json() skips and reports what it cannot decode, goes on, and ends quietly at a drop', async () => {
    const server = await serve((ws) => {
      for (const message of ['{"symbol":"EURUSD","price":1.1}', 'not json', '{"symbol":"EURUSD"}', '{"symbol":"EURUSD","price":1.2}']) ws.send(message);
      ws.send('{"symbol":"EURUSD","price":1.3}', () => ws.terminate()); // then the connection drops
    });
    const peer = new WebSocketPeer();
    peer.connectToUrl(server.url());
    const socket = fromPeer(peer);
    const closed = new Promise((resolve) => socket.close$.subscribe(resolve));
    const example = runExample(readmeBlock('### Decoding: `text()`, `binary()`, `json<T>()`', 'json<Tick>'), { globals: { socket } });
    await within(closed, 'the drop');
    expect(example.logs).toEqual(['1.1', '1.2', '1.3']);
    expect(example.warnings).toEqual(['invalid-json not json', 'invalid-value {"symbol":"EURUSD"}']);
  });
});

describe('README: reconnect() → connection() → multiplex() → request(), one program', () => {
  it('queues what is sent before OPEN, and after a server restart resubscribes its topic and goes on', async () => {
    // A server of the examples' protocol: 'sub' answers with a tick of that topic, a call with its result.
    const server = await serve((ws) => {
      ws.send('garbage the app must survive');
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { op?: string; topic?: string; id?: number; method?: string; params?: number[] };
        if (message.op === 'sub') ws.send(JSON.stringify({ topic: message.topic, price: server.received.length }));
        if (message.method === 'add') ws.send(JSON.stringify({ id: message.id, result: message.params!.reduce((a, b) => a + b) }));
      });
    });
    const code = ['### `reconnect(config)`', '### `connection(connections$, { queue })` and the send queue', '### `multiplex(connection, config)`', '### `request(connection, config)`']
      .map((heading) => readmeBlock(heading, 'import'))
      .join('\n');
    const rendered = recorder();
    const example = runExample<{ socket: Connection; attempts$: { subscribe(f: (a: ReconnectAttempt) => void): Subscription } }>(code, {
      replace: { 'wss://example.com/feed': server.url('/feed') },
      globals: { render: (value: unknown) => rendered.push(value) },
      bindings: ['socket', 'attempts$'],
    });
    const { socket, attempts$ } = example.bindings;
    const attempts: ReconnectAttempt[] = [];
    attempts$.subscribe((attempt) => attempts.push(attempt));
    try {
      // Sent before OPEN: the say and the call are queued and go out once OPEN; the volatile one is dropped.
      expect(example.warnings).toEqual(['dropped offline {"t":"typing"}']);
      await within(example.logged(/^3$/), 'the call result');
      await rendered.until(() => rendered.some((value) => typeof value === 'object'), 'a tick');
      expect(server.received[0]).toEqual([
        '{"say":"hi"}',
        '{"id":1,"method":"add","params":[1,2]}',
        '{"op":"sub","topic":"prices/EURUSD"}',
      ]);
      expect([...rendered]).toEqual(['CONNECTING', 'OPEN', { topic: 'prices/EURUSD', price: 1 }]);

      // The server restarts: the connection is retried, the topic subscribed again, and what
      // was sent meanwhile goes out first.
      await server.stop();
      await rendered.until(() => rendered.includes('CLOSED'), 'CLOSED');
      expect(socket.send(JSON.stringify({ say: 'while away' }))).toBe('queued');
      await server.start();
      await rendered.until(() => rendered.length === 6, 'the tick after the restart');
      expect([...rendered].slice(2)).toEqual([{ topic: 'prices/EURUSD', price: 1 }, 'CLOSED', 'OPEN', { topic: 'prices/EURUSD', price: 2 }]);
      expect(server.received[1]).toEqual(['{"say":"while away"}', '{"op":"sub","topic":"prices/EURUSD"}']);
      expect(attempts.map((a) => [a.attempt, a.close.wasClean])).toEqual([[1, false]]);
    } finally {
      socket.close();
    }
    // The clean close ends it: reconnect() does not retry it, state$ completes.
    await rendered.until(() => rendered.at(-1) === 'CLOSED', 'CLOSED after the close');
  });
});

describe('README: heartbeat()', () => {
  it('drops a connection whose pongs stopped, and reconnect() opens a new one that keeps its heartbeat', async () => {
    // The first connection never answers; the second answers every ping.
    const server = await serve((ws, index) => {
      if (index > 0) ws.on('message', (data) => data.toString() === '{"t":"ping"}' && ws.send('{"t":"pong"}'));
    });
    const example = runExample<{ connections$: import('rxjs').Observable<ObservablePeer> }>(readmeBlock('### `heartbeat(config)`', 'heartbeat({'), {
      replace: { 'wss://example.com/feed': server.url(), 'interval: 15_000': 'interval: 20', 'timeout: 5_000': 'timeout: 40' },
      bindings: ['connections$'],
    });
    const closes: { code: number; wasClean: boolean }[] = [];
    const packets: (string | undefined)[] = [];
    const subscription = example.bindings.connections$.subscribe((socket) => {
      socket.close$.subscribe(({ code, wasClean }) => closes.push({ code, wasClean }));
      socket.packets$.subscribe((packet) => packets.push(packet.text));
    });
    try {
      await server.until(() => (server.received[1]?.length ?? 0) >= 3, 'three pings on the second connection');
      expect(server.received[0]!.every((m) => m === '{"t":"ping"}')).toBe(true);
      expect(closes).toEqual([{ code: -1, wasClean: false }]); // the heartbeat's drop
      expect(server.received).toHaveLength(2); // the second connection stays
      expect(packets).toEqual([]); // pongs are kept out of packets$
    } finally {
      subscription.unsubscribe();
    }
    await server.until(() => server.clients().length === 0, 'the close at unsubscribe');
  });
});

describe('README: marble examples', () => {
  const S = { c: State.CONNECTING, o: State.OPEN, l: State.CLOSING, C: State.CLOSED };
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('Testing reconnecting pipelines: a drop, a refused connection, then a clean close', async () => {
    await runExample(readmeBlock('### Testing reconnecting pipelines', 'scriptConnections(['), { globals: { testScheduler, S } }).done;
  });

  it('Multiplayer: createMemoryNetwork() in virtual time', async () => {
    await runExample(readmeBlock('## Multiplayer', 'createMemoryNetwork()'), { globals: { testScheduler } }).done;
  });
});

// Its own `it`: the block is a jest test as written, registered here.
describe('README: Testing your pipelines', () => {
  const example = runExample(readmeBlock('## Testing your pipelines (`rxpeer/testing`)', "it('shows the remote close'"));
  it('(the block ran to its end)', () => example.done);
});
