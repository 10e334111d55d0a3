import { concat, map, NEVER, of, type Observable } from 'rxjs';
import {
  connection,
  ErrorCode,
  fromPeer,
  reconnect,
  sendQueue,
  SendQueueOverflowError,
  State,
  type DroppedMessage,
  type ObservablePeer,
  type WebSocketPeer,
} from 'rxpeer';
import { scriptConnections, scriptRemote, type ScriptedRemote } from 'rxpeer/testing';
import { createTestScheduler, S } from './helpers';

/** What a scripted remote received, as `frame:text`. */
const arrivals = (remote: ScriptedRemote | undefined): string[] =>
  (remote?.received ?? []).map(({ frame, packet }) => `${frame}:${packet.text ?? [...packet.data].join(',')}`);

const describeDrop = (d: DroppedMessage): string =>
  `${typeof d.message === 'string' ? d.message : `bytes(${d.message.byteLength})`}:${d.reason}${d.errorCode === undefined ? '' : `:${ErrorCode[d.errorCode]}`}`;

describe('sendQueue()', () => {
  it('sends at once while OPEN, queues while offline, flushes in order on the next OPEN, never twice', () => {
    const scripted = scriptConnections(['-----#', { refuse: true }, '------|']);
    const drops: DroppedMessage[] = [];
    createTestScheduler().run(({ cold, expectObservable }) => {
      const socket = connection(scripted.connections$.pipe(reconnect({ initialDelay: 10, jitter: 0 })), {
        queue: { limit: 10, onDrop: (d) => drops.push(d) },
      });
      // OPEN 0–5, dropped at 5, refused at 15, OPEN again at 35, clean close at 41.
      const sends = cold('    --a 5ms b 11ms c 15ms d', { a: 'a', b: 'b', c: 'c', d: 'd' });
      const expected = '      --s 5ms q 11ms q 15ms s';
      expectObservable(sends.pipe(map((m) => socket.send(m)))).toBe(expected, { s: 'sent', q: 'queued' });
      expectObservable(socket.state$).toBe('(co)-C 29ms o-----(lC|)', S);
    });
    const [first, refused, third] = scripted.remotes;
    expect(arrivals(first)).toEqual(['2:a']);
    expect(arrivals(refused)).toEqual([]);
    expect(arrivals(third)).toEqual(['35:b', '35:c', '36:d']);
    expect(drops).toEqual([]);
  });

  it('a message sent while the connection is CLOSING waits for the next connection', () => {
    const { connections$, remotes } = scriptConnections(['', '------|']);
    createTestScheduler().run(({ cold, expectObservable }) => {
      const socket = connection(connections$.pipe(reconnect({ initialDelay: 5, jitter: 0, shouldRetry: (c) => c.code === 4000 })));
      const results = cold('-----x').pipe(
        map(() => {
          socket.close(4000, 'moving');
          return socket.send('after close');
        }),
      );
      expectObservable(results).toBe('-----q', { q: 'queued' });
      expectObservable(socket.state$).toBe('(co)-(lC)-o-----(lC|)', S);
    });
    expect(arrivals(remotes[0])).toEqual([]);
    expect(arrivals(remotes[1])).toEqual(['10:after close']);
  });

  describe('overflow while offline (limit 2: a, b, c sent before the connection opens)', () => {
    function offlineThenOpen(overflow: 'drop-oldest' | 'drop-newest' | 'error') {
      const drops: string[] = [];
      const results: unknown[] = [];
      let remote: ScriptedRemote | undefined;
      createTestScheduler().run(({ cold }) => {
        const queue = sendQueue({ limit: 2, overflow, onDrop: (d) => drops.push(describeDrop(d)) });
        for (const message of ['a', 'b', 'c']) {
          try {
            results.push(queue.send(message));
          } catch (error) {
            results.push(error);
          }
        }
        expect(queue.size).toBe(2);
        // The connection opens at frame 5.
        cold('-----x').subscribe(() => {
          remote = scriptRemote('');
          queue.attach(fromPeer(remote.peer));
        });
      });
      return { drops, results, arrivals: arrivals(remote) };
    }

    it("'drop-oldest' evicts the oldest, reports it, and keeps the new one", () => {
      const { drops, results, arrivals: got } = offlineThenOpen('drop-oldest');
      expect(results).toEqual(['queued', 'queued', 'queued']);
      expect(drops).toEqual(['a:overflow']);
      expect(got).toEqual(['5:b', '5:c']);
    });

    it("'drop-newest' refuses the new one and reports it", () => {
      const { drops, results, arrivals: got } = offlineThenOpen('drop-newest');
      expect(results).toEqual(['queued', 'queued', 'dropped']);
      expect(drops).toEqual(['c:overflow']);
      expect(got).toEqual(['5:a', '5:b']);
    });

    it("'error' throws SendQueueOverflowError from send(); nothing queued or evicted", () => {
      const { drops, results, arrivals: got } = offlineThenOpen('error');
      expect(results.slice(0, 2)).toEqual(['queued', 'queued']);
      expect(results[2]).toBeInstanceOf(SendQueueOverflowError);
      expect(results[2]).toMatchObject({ rejectedMessage: 'c', limit: 2, message: 'send queue full (2 messages)' });
      expect(drops).toEqual([]);
      expect(got).toEqual(['5:a', '5:b']);
    });
  });

  it('volatile messages go out while OPEN and are dropped (reported, never queued) otherwise', () => {
    const drops: string[] = [];
    let remote: ScriptedRemote | undefined;
    createTestScheduler().run(({ cold, expectObservable }) => {
      const queue = sendQueue({ onDrop: (d) => drops.push(describeDrop(d)) });
      expect(queue.send('early', { volatile: true })).toBe('dropped');
      remote = scriptRemote('----#');
      const attached = queue.attach(fromPeer(remote.peer));
      const sends = cold('    --a---b', { a: 'live', b: 'late' });
      const expected = '      --s---d';
      expectObservable(sends.pipe(map((m) => queue.send(m, { volatile: true })))).toBe(expected, { s: 'sent', d: 'dropped' });
      expectObservable(queue.drops$.pipe(map(describeDrop))).toBe('------x', { x: 'late:offline' });
      expect(queue.size).toBe(0);
      cold('-------x').subscribe(() => attached.unsubscribe());
    });
    expect(drops).toEqual(['early:offline', 'late:offline']);
    expect(arrivals(remote)).toEqual(['2:live']);
  });

  it('a message larger than the outbound buffer is rejected (ERR_OUT_OF_MEMORY) and the rest flows', () => {
    const drops: string[] = [];
    let remote: ScriptedRemote | undefined;
    createTestScheduler().run(({ cold }) => {
      const queue = sendQueue({ onDrop: (d) => drops.push(describeDrop(d)) });
      queue.send('ok-1');
      queue.send(new Uint8Array(64));
      queue.send('ok-2');
      cold('--x').subscribe(() => {
        remote = scriptRemote('');
        remote.peer.outboundBufferSize = 16;
        queue.attach(fromPeer(remote.peer));
      });
      cold('----x').subscribe(() => expect(queue.send('too long for sixteen bytes')).toBe('dropped'));
    });
    expect(drops).toEqual(['bytes(64):rejected:ERR_OUT_OF_MEMORY', 'too long for sixteen bytes:rejected:ERR_OUT_OF_MEMORY']);
    expect(arrivals(remote)).toEqual(['2:ok-1', '2:ok-2']);
  });

  it('a full outbound buffer (transient ERR_OUT_OF_MEMORY) keeps the order and retries every retryInterval', () => {
    const sent: string[] = [];
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // A peer whose buffer is full until frame 25.
      const socket = fakeOpenPeer((message) => {
        if (scheduler.now() < 25) return ErrorCode.ERR_OUT_OF_MEMORY;
        sent.push(`${scheduler.now()}:${String(message)}`);
        return ErrorCode.OK;
      });
      const queue = sendQueue({ retryInterval: 10 });
      const attached = queue.attach(socket);
      const sends = cold('    a-b', { a: 'first', b: 'second' });
      expectObservable(sends.pipe(map((m) => queue.send(m)))).toBe('q-q', { q: 'queued' });
      cold('40ms x').subscribe(() => attached.unsubscribe());
    });
    expect(sent).toEqual(['30:first', '30:second']);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('bad config throws a TypeError at creation', () => {
    expect(() => sendQueue({ limit: 0 })).toThrow(new TypeError('sendQueue: limit must be an integer ≥ 1 (or Infinity), got 0'));
    expect(() => sendQueue({ limit: -5 })).toThrow(TypeError);
    expect(() => sendQueue({ limit: 2.5 })).toThrow(TypeError);
    expect(() => sendQueue({ overflow: 'drop' as never })).toThrow(/overflow must be one of 'drop-oldest', 'drop-newest', 'error'/);
    expect(() => sendQueue({ onDrop: 'console' as never })).toThrow(/onDrop must be a function/);
    expect(() => sendQueue({ retryInterval: 0 })).toThrow(/retryInterval must be a finite number of milliseconds > 0/);
    expect(() => connection(connectionsNotObservable())).toThrow(/connection: source must be an Observable/);
    expect(() => connection(NEVER, { queue: { limit: -1 } })).toThrow(/sendQueue: limit/);
  });
});

function connectionsNotObservable(): Observable<ObservablePeer> {
  return [] as unknown as Observable<ObservablePeer>;
}

/** An OPEN ObservablePeer whose send() is `send`. */
function fakeOpenPeer(send: (message: string | Uint8Array) => ErrorCode): ObservablePeer {
  const peer = { getReadyState: () => State.OPEN, outboundBufferSize: 65535 } as unknown as WebSocketPeer;
  return { peer, state$: concat(of(State.OPEN), NEVER), packets$: NEVER, close$: NEVER, send, close: () => ErrorCode.OK };
}
