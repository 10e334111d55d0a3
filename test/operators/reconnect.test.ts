import { map, Subject, take } from 'rxjs';
import {
  backoffDelay,
  connection,
  ErrorCode,
  reconnect,
  State,
  WebSocketCloseError,
  WebSocketPeerError,
  type ObservablePeer,
  type ReconnectAttempt,
} from 'rxpeer';
import { scriptConnections } from 'rxpeer/testing';
import { createTestScheduler, droppedInfo, fakePeer, refusedInfo, S, unclean } from './helpers';

const dropped = droppedInfo;
const refused = refusedInfo;
/** Names the n-th connection a, b, c, … */
const byOrder = map((_: ObservablePeer, i: number) => 'abcdefgh'[i]!);

describe('reconnect()', () => {
  describe('over scripted connections', () => {
    it('reconnects after unclean closes with exponential backoff and ends with a clean close', () => {
      createTestScheduler().run(({ expectObservable }) => {
        const { connections$ } = scriptConnections(['-----#', { refuse: true }, '------|']);
        const attempts = new Subject<ReconnectAttempt>();
        const peers = connections$.pipe(
          reconnect({ initialDelay: 10, factor: 2, jitter: 0, onAttempt: (a) => attempts.next(a) }),
          byOrder,
        );
        // Emitted once OPEN: drop at 5, retry #1 after 10 ms; refused at 15 (never emitted),
        // retry #2 after 20 ms; open at 35, clean close at 41.
        const expectedPeers = '    a 34ms b 5ms |';
        const expectedAttempts = '  -----x 9ms y';
        expectObservable(peers).toBe(expectedPeers);
        expectObservable(attempts).toBe(expectedAttempts, {
          x: { attempt: 1, delay: 10, close: dropped },
          y: { attempt: 2, delay: 20, close: refused },
        });
      });
    });

    it('with connection(): one state stream across reconnects, OPEN announced on every connection', () => {
      createTestScheduler().run(({ expectObservable }) => {
        const { connections$ } = scriptConnections(['-----#', { refuse: true }, '------|']);
        const socket = connection(connections$.pipe(reconnect({ initialDelay: 10, jitter: 0 })));
        // CONNECTING until the first connection opens; a refused attempt is never emitted, so
        // state$ stays CLOSED through it (reconnect's onAttempt reports it, with its cause).
        const expectedStates = '(co)-C 29ms o-----(lC|)';
        expectObservable(socket.state$).toBe(expectedStates, S);
        expectObservable(socket.closes$).toBe('-----x 35ms (z|)', {
          x: dropped,
          z: { code: 1000, reason: '', wasClean: true },
        });
      });
    });

    it('gives up after maxRetries with the last close as a WebSocketCloseError', () => {
      createTestScheduler().run(({ expectObservable }) => {
        const { connections$ } = scriptConnections(['--#', { refuse: true }, { refuse: true }]);
        const peers = connections$.pipe(reconnect({ initialDelay: 10, jitter: 0, maxRetries: 2 }), byOrder);
        expectObservable(peers).toBe('a 31ms #', undefined, new WebSocketCloseError(refused));
      });
    });

    it('a clean close ends the stream by default: no retry', () => {
      const attempts: ReconnectAttempt[] = [];
      createTestScheduler().run(({ expectObservable }) => {
        const { connections$ } = scriptConnections(['---|', '--|']);
        const peers = connections$.pipe(reconnect({ initialDelay: 10, onAttempt: (a) => attempts.push(a) }), byOrder);
        expectObservable(peers).toBe('a--|');
      });
      expect(attempts).toEqual([]);
    });

    it('shouldRetry decides on CloseInfo: a clean 1012 "Service Restart" is retried, 1000 is not', () => {
      createTestScheduler().run(({ expectObservable }) => {
        const { connections$ } = scriptConnections([{ script: '---|', close: { code: 1012, reason: 'restart' } }, '----|']);
        const shouldRetry = (close: { code: number; wasClean: boolean }): boolean => !close.wasClean || close.code === 1012;
        const peers = connections$.pipe(reconnect({ initialDelay: 10, jitter: 0, shouldRetry }), byOrder);
        expectObservable(peers).toBe('a 12ms b---|');
      });
    });

    it('shouldRetry refusing an unclean close lets its error through', () => {
      createTestScheduler().run(({ expectObservable }) => {
        const { connections$ } = scriptConnections(['--#']);
        const peers = connections$.pipe(reconnect({ shouldRetry: () => false }), byOrder);
        expectObservable(peers).toBe('a-#', undefined, new WebSocketCloseError(dropped));
      });
    });

    it('retries of clean closes that run out end with a WebSocketCloseError carrying the clean close', () => {
      createTestScheduler().run(({ expectObservable }) => {
        const away = { script: '-|', close: { code: 1001, reason: 'away' } };
        const { connections$ } = scriptConnections([away, away]);
        const peers = connections$.pipe(reconnect({ initialDelay: 5, jitter: 0, maxRetries: 1, resetOnSuccess: false, shouldRetry: () => true }), byOrder);
        expectObservable(peers).toBe('a 5ms b#', undefined, new WebSocketCloseError({ code: 1001, reason: 'away', wasClean: true }));
      });
    });
  });

  describe('timing (cold marbles, fake peers)', () => {
    it('resubscribes after each delay: subscription timing', () => {
      createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('   a--#', { a: fakePeer([State.CONNECTING]) }, unclean);
        const subs = [
          '                     ^--!',
          '                     13ms ^--!',
          '                     36ms ^--!',
        ];
        const expected = '      a 12ms a 22ms a--#';
        expectObservable(source.pipe(reconnect({ initialDelay: 10, jitter: 0, maxRetries: 2 }))).toBe(
          expected,
          { a: expect.anything() },
          unclean,
        );
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('resetOnSuccess (default): a connection that reached OPEN starts the count and the backoff over', () => {
      createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('   a--#', { a: fakePeer([State.CONNECTING, State.OPEN]) }, unclean);
        const subs = [
          '                     ^--!',
          '                     13ms ^--!',
          '                     26ms (^!)',
        ];
        const peers = source.pipe(reconnect({ initialDelay: 10, jitter: 0, maxRetries: 1 }), take(3), map(() => 'p'));
        expectObservable(peers).toBe('p 12ms p 12ms (p|)');
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('resetOnSuccess: false counts every retry: maxRetries runs out although each connection opened', () => {
      createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('   a--#', { a: fakePeer([State.CONNECTING, State.OPEN]) }, unclean);
        const subs = [
          '                     ^--!',
          '                     13ms ^--!',
        ];
        const peers = source.pipe(reconnect({ initialDelay: 10, jitter: 0, maxRetries: 1, resetOnSuccess: false }), map(() => 'p'));
        expectObservable(peers).toBe('p 12ms p--#', undefined, unclean);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('jitter shortens each delay by up to its fraction; maxDelay caps the backoff', () => {
      const delays: number[] = [];
      createTestScheduler().run(({ cold, expectObservable }) => {
        const source = cold<ObservablePeer>('#', undefined, unclean);
        const retried = source.pipe(
          reconnect({ initialDelay: 100, factor: 3, maxDelay: 500, jitter: 0.5, random: () => 0.5, maxRetries: 4, onAttempt: (a) => delays.push(a.delay) }),
        );
        // 100·0.75, 300·0.75, then capped 500·0.75 twice: 75 + 225 + 375 + 375 = 1050 ms.
        expectObservable(retried).toBe('1050ms #', undefined, unclean);
      });
      expect(delays).toEqual([75, 225, 375, 375]);
    });

    it('errors that are not closes (a refused URL) pass through without a retry', () => {
      createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const refused = new WebSocketPeerError(ErrorCode.ERR_INVALID_PARAMETER, 'connect("nope") refused');
        const source = cold<ObservablePeer>('#', undefined, refused);
        expectObservable(source.pipe(reconnect({ initialDelay: 10 }))).toBe('#', undefined, refused);
        expectSubscriptions(source.subscriptions).toBe('(^!)');
      });
    });

    it('unsubscribing during the backoff cancels the pending reconnect', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('   a--#', { a: fakePeer() }, unclean);
        const subs = '          ^--!';
        const unsub = '         ^-------!';
        expectObservable(source.pipe(reconnect({ initialDelay: 10, jitter: 0 }), map(() => 'p')), unsub).toBe('p');
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(scheduler.actions).toHaveLength(0);
    });

    it('a source that completes while its peer is still open just completes (no close to judge)', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const source = cold('a|', { a: fakePeer([State.CONNECTING, State.OPEN]) });
        expectObservable(source.pipe(reconnect({ initialDelay: 10, shouldRetry: () => true }), map(() => 'p'))).toBe('p|');
      });
    });

    it('maxRetries: 0 is the identity', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const source = cold('a-#', { a: fakePeer() }, unclean);
        expect(reconnect({ maxRetries: 0 })(source)).toBe(source);
        expectObservable(source.pipe(reconnect({ maxRetries: 0 }), map(() => 'p'))).toBe('p-#', undefined, unclean);
      });
    });
  });

  it('bad config throws a TypeError (a RangeError for a number out of range) when the operator is created', () => {
    expect(() => reconnect({ initialDelay: -1 })).toThrow(new RangeError('reconnect: initialDelay must be a finite number of milliseconds ≥ 0, got -1'));
    // Node would run a timer past 2^31 − 1 ms after 1 ms: a retry every millisecond.
    expect(() => reconnect({ initialDelay: 2 ** 31 })).toThrow(/reconnect: initialDelay must be at most 2147483647 ms/);
    expect(() => reconnect({ maxDelay: 2 ** 31 })).toThrow(/reconnect: maxDelay must be at most/);
    expect(() => reconnect({ initalDelay: 10 } as never)).toThrow('reconnect: unknown option "initalDelay" (did you mean "initialDelay"?)');
    expect(() => reconnect('fast' as never)).toThrow(/reconnect: config must be an object, got "fast"/);
    expect(() => backoffDelay(NaN)).toThrow(/backoffDelay: attempt must be an integer ≥ 1, got NaN/);
    expect(() => backoffDelay(1, { factor: Symbol('x') as never })).toThrow(/factor must be a number ≥ 1, got Symbol\(x\)/);
    expect(() => reconnect({ maxDelay: NaN })).toThrow(/reconnect: maxDelay must be/);
    expect(() => reconnect({ initialDelay: 100, maxDelay: 50 })).toThrow(/maxDelay \(50\) must be ≥ initialDelay \(100\)/);
    expect(() => reconnect({ factor: 0.5 })).toThrow(/reconnect: factor must be a number ≥ 1/);
    expect(() => reconnect({ jitter: 2 })).toThrow(/reconnect: jitter must be a number from 0 to 1/);
    expect(() => reconnect({ maxRetries: -1 })).toThrow(/reconnect: maxRetries must be an integer ≥ 0/);
    expect(() => reconnect({ maxRetries: 1.5 })).toThrow(TypeError);
    expect(() => reconnect({ shouldRetry: 'unclean' as unknown as () => boolean })).toThrow(/reconnect: shouldRetry must be a function/);
    expect(() => reconnect({ onAttempt: {} as unknown as () => void })).toThrow(/onAttempt must be a function/);
    expect(() => reconnect({ scheduler: {} as never })).toThrow(/reconnect: scheduler must be an RxJS SchedulerLike/);
    expect(() => reconnect({ resetOnSuccess: 'yes' as unknown as boolean })).toThrow(/resetOnSuccess must be a boolean/);
  });
});
