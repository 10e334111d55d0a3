import { map } from 'rxjs';
import { connection, ErrorCode, reconnect, sendQueue, State, WebSocketCloseError } from 'rxpeer';
import { scriptConnections } from 'rxpeer/testing';
import { createTestScheduler, describePacket, droppedInfo, fakePeer, refusedInfo, S } from './helpers';

describe('connection()', () => {
  it('is lazy and ref-counted: one subscription to the connection stream for all streams', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('  a', { a: fakePeer([State.CONNECTING, State.OPEN]) });
      const socket = connection(source);
      const stateSubs = '    ---^---!';
      const peersSubs = '    -----^---!';
      const sourceSubs = '   ---^-----!';
      expectObservable(socket.state$, stateSubs).toBe('            ---(co)', S);
      expectObservable(socket.peers$.pipe(map(() => 'p')), peersSubs).toBe('-----p');
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
    });
  });

  it('packets$ spans reconnects: an unclean close in between is not an error', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['-a-#', '-b-|'], { a: 'one', b: 'two' });
      const socket = connection(connections$.pipe(reconnect({ initialDelay: 5, jitter: 0 })));
      const expected = '-a 6ms -b-|';
      expectObservable(socket.packets$.pipe(map(describePacket))).toBe(expected, { a: 'text:one', b: 'text:two' });
    });
  });

  it('without reconnect, an unclean close ends state$ (after CLOSED) and packets$ with WebSocketCloseError', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['-a--#'], { a: 'x' });
      const socket = connection(connections$);
      const unclean = new WebSocketCloseError(droppedInfo);
      expectObservable(socket.state$).toBe('(co)(C#)', S, unclean);
      expectObservable(socket.packets$.pipe(map(describePacket))).toBe('-a--#', { a: 'text:x' }, unclean);
      expectObservable(socket.closes$).toBe('----(x#)', { x: droppedInfo }, unclean);
    });
  });

  it('state$ errors when reconnect gives up, after showing CLOSED', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['-----#', { refuse: true }]);
      const socket = connection(connections$.pipe(reconnect({ initialDelay: 5, jitter: 0, maxRetries: 1 })));
      // The refused attempt never opened, so it is not emitted: state$ stays CLOSED until the end.
      expectObservable(socket.state$).toBe('(co)-C 4ms #', S, new WebSocketCloseError(refusedInfo));
    });
  });

  it('late subscribers get the current connection and its current state', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['--------|']);
      const socket = connection(connections$);
      socket.state$.subscribe();
      expectObservable(socket.state$, '    ----^').toBe('----o---(lC|)', S);
      expectObservable(socket.peers$.pipe(map(() => 'p')), '----^').toBe('----p---|');
    });
  });

  it('send() while nobody subscribes queues; the first subscriber starts the connection and the queue flushes', () => {
    const { connections$, remotes } = scriptConnections(['-----|']);
    createTestScheduler().run(({ cold, expectObservable }) => {
      const socket = connection(connections$);
      expect(socket.send('hello')).toBe('queued');
      expect(socket.queue.size).toBe(1);
      expectObservable(socket.state$, '---^').toBe('---(co)-(lC|)', S);
      expectObservable(cold('----x').pipe(map(() => socket.queue.size))).toBe('----x', { x: 0 });
    });
    expect(remotes[0]!.received.map(({ frame, packet }) => `${frame}:${packet.text}`)).toEqual(['3:hello']);
  });

  it('close() closes the current connection; FAILED when there is none', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { connections$ } = scriptConnections(['']);
      const socket = connection(connections$);
      expect(socket.close()).toBe(ErrorCode.FAILED);
      expectObservable(socket.state$).toBe('(co)-(lC|)', S);
      expectObservable(cold('-----x').pipe(map(() => socket.close(4000, 'bye')))).toBe('-----x', { x: ErrorCode.OK });
      expectObservable(socket.closes$).toBe('-----(x|)', { x: { code: 4000, reason: 'bye', wasClean: true } });
    });
  });

  it('close() is FAILED between connections, while reconnect waits', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { connections$ } = scriptConnections(['--#', '----|']);
      const socket = connection(connections$.pipe(reconnect({ initialDelay: 5, jitter: 0 })));
      socket.state$.subscribe();
      // Dropped at frame 2; the next connection starts at frame 7.
      expectObservable(cold('----x').pipe(map(() => socket.close()))).toBe('----x', { x: ErrorCode.FAILED });
    });
  });

  it('a shared SendQueue can be passed in; after the stream ends a new subscriber starts it again', () => {
    const { connections$, remotes } = scriptConnections(['-----|', '-----|']);
    createTestScheduler().run(({ cold, expectObservable }) => {
      const queue = sendQueue({ limit: 5 });
      const socket = connection(connections$, { queue });
      expect(socket.queue).toBe(queue);
      expectObservable(socket.state$).toBe('(co)-(lC|)', S);
      const offline = cold('-------x').pipe(map(() => queue.send('for the second connection')));
      expectObservable(offline).toBe('-------q', { q: 'queued' });
      expectObservable(socket.state$, '----------^').toBe('----------(co)-(lC|)', S);
    });
    expect(remotes).toHaveLength(2);
    expect(remotes[1]!.received.map((r) => r.packet.text)).toEqual(['for the second connection']);
  });
});
