import { asyncScheduler, map, of, switchMap, takeUntil, tap } from 'rxjs';
import { connection, fromPeer, heartbeat, reconnect, State, WebSocketCloseError, type HeartbeatConfig, type ObservablePeer, type Packet } from 'rxpeer';
import { scriptConnections, scriptRemote, type ScriptedRemote } from 'rxpeer/testing';
import { createTestScheduler, describePacket, fakePeer, refusedInfo, S } from './helpers';

/** Makes a scripted remote answer each "ping" with "pong", as an application server would. */
function answerPings(remote: ScriptedRemote): void {
  remote.remote.packets$.subscribe({
    next: (packet) => {
      if (packet.text === 'ping') remote.remote.send('pong');
    },
    error: () => {},
  });
}

const pings = (remote: ScriptedRemote | undefined): number[] =>
  (remote?.received ?? []).filter(({ packet }) => packet.text === 'ping').map(({ frame }) => frame);

const config: HeartbeatConfig = { interval: 10, timeout: 5, ping: () => 'ping', isPong: (p: Packet) => p.text === 'pong' };

describe('heartbeat()', () => {
  it('pings every interval from OPEN; answered pings keep the connection; pongs stay out of packets$', () => {
    let remote: ScriptedRemote | undefined;
    createTestScheduler().run(({ cold, expectObservable }) => {
      remote = scriptRemote('-----a 9ms b', { a: 'data-1', b: 'data-2' });
      answerPings(remote);
      const stop = cold('35ms x');
      // One heartbeat for both streams: connection() shares the connection stream.
      const socket = connection(of(fromPeer(remote.peer)).pipe(heartbeat(config)));
      expectObservable(socket.state$.pipe(takeUntil(stop))).toBe('(co) 31ms |', S);
      const packets = socket.packets$.pipe(map(describePacket), takeUntil(stop));
      expectObservable(packets).toBe('-----a 9ms b 19ms |', { a: 'text:data-1', b: 'text:data-2' });
    });
    expect(pings(remote)).toEqual([10, 20, 30]);
  });

  it('a missing pong drops the connection uncleanly (close -1) after timeout: the stream errors', () => {
    let remote: ScriptedRemote | undefined;
    createTestScheduler().run(({ expectObservable }) => {
      const { connections$, remotes } = scriptConnections(['']); // never answers
      const socket$ = connections$.pipe(
        heartbeat(config),
        tap(() => (remote = remotes[0])),
      );
      // ping at 10, no pong by 15: CLOSED with -1.
      const noPong = new WebSocketCloseError({ code: -1, reason: '', wasClean: false, cause: 'no pong within 5 ms (heartbeat timeout)' });
      expectObservable(socket$.pipe(map(() => 'p'))).toBe('p 14ms #', undefined, noPong);
    });
    expect(pings(remote)).toEqual([10]);
    expect(remote!.remote.peer.getCloseCode()).toBe(-1);
  });

  it('with reconnect: the dead connection is replaced and the new one kept alive', () => {
    const { connections$, remotes } = scriptConnections(['', '']);
    createTestScheduler().run(({ cold, expectObservable }) => {
      const answering = connections$.pipe(
        tap(() => {
          if (remotes.length === 2) answerPings(remotes[1]!);
        }),
      );
      const socket = connection(answering.pipe(heartbeat(config), reconnect({ initialDelay: 3, jitter: 0 })));
      const stop = cold('50ms x');
      // Dropped at 15 (no pong), reconnected at 18, then pinged at 28, 38, 48 and answered.
      expectObservable(socket.state$.pipe(takeUntil(stop))).toBe('(co) 11ms C--o 31ms |', S);
    });
    expect(pings(remotes[0])).toEqual([10]);
    expect(pings(remotes[1])).toEqual([28, 38, 48]);
  });

  it('a beat that comes while a pong is awaited is skipped (timeout longer than interval)', () => {
    let remote: ScriptedRemote | undefined;
    createTestScheduler().run(({ cold, expectObservable }) => {
      remote = scriptRemote('');
      const slow = remote.remote;
      slow.packets$.subscribe({
        next: (packet) => {
          if (packet.text === 'ping') asyncScheduler.schedule(() => slow.send('pong'), 15);
        },
        error: () => {},
      });
      const socket = connection(of(fromPeer(remote.peer)).pipe(heartbeat({ ...config, timeout: 25 })));
      // Ping at 10, pong at 25 (the beat at 20 is skipped), ping at 30, pong at 45, ping at 50.
      expectObservable(socket.state$.pipe(takeUntil(cold('55ms x')))).toBe('(co) 51ms |', S);
    });
    expect(pings(remote)).toEqual([10, 30, 50]);
  });

  it('keeps a server-side peer\'s request and context when it hides pongs', () => {
    const request = { url: '/chat', headers: {}, remoteAddress: '127.0.0.1', remotePort: 1, protocols: [] };
    const server = { ...fakePeer([State.OPEN]), request, context: { user: 'ann' } };
    let emitted: ObservablePeer | undefined;
    of(server).pipe(heartbeat(config)).subscribe((s) => (emitted = s)).unsubscribe();
    expect(emitted!.request).toBe(request);
    expect(emitted!.context).toEqual({ user: 'ann' });
  });

  it('hidePongs: false leaves pongs in packets$', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const remote = scriptRemote('');
      answerPings(remote);
      const packets = of(fromPeer(remote.peer)).pipe(
        heartbeat({ ...config, hidePongs: false }),
        switchMap((s: ObservablePeer) => s.packets$),
        map(describePacket),
        takeUntil(cold('25ms x')),
      );
      expectObservable(packets).toBe('10ms a 9ms a 4ms |', { a: 'text:pong' });
    });
  });

  it('no pings before OPEN or after the end: a refused connection sends none and leaves nothing scheduled', () => {
    const scheduler = createTestScheduler();
    let remote: ScriptedRemote | undefined;
    scheduler.run(({ expectObservable }) => {
      const { connections$, remotes } = scriptConnections([{ refuse: true }]);
      const socket$ = connections$.pipe(heartbeat(config), tap(() => (remote = remotes[0])));
      // Never OPEN, so never emitted: connect() errors with the refusal.
      expectObservable(socket$.pipe(map(() => 'p'))).toBe('#', undefined, new WebSocketCloseError(refusedInfo));
    });
    expect(pings(remote)).toEqual([]);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('unsubscribing stops the beat', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable, expectSubscriptions, cold }) => {
      const remote = scriptRemote('');
      const source = cold('a', { a: fromPeer(remote.peer) });
      expectObservable(source.pipe(heartbeat(config), map(() => 'p')), '^ 12ms !').toBe('p');
      expectSubscriptions(source.subscriptions).toBe('^ 12ms !');
    });
    expect(scheduler.actions).toHaveLength(0);
  });

  it('a throwing ping() ends the connection stream with its error', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const boom = new Error('no ping today');
      const { connections$ } = scriptConnections(['']);
      const socket$ = connections$.pipe(
        heartbeat({
          ...config,
          ping: () => {
            throw boom;
          },
        }),
      );
      expectObservable(socket$.pipe(map(() => 'p'))).toBe('p 9ms #', undefined, boom);
    });
  });

  it('a throwing isPong() ends the connection stream with its error', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const bug = new Error('isPong bug');
      const { connections$, remotes } = scriptConnections(['']);
      const socket$ = connections$.pipe(
        tap(() => answerPings(remotes[0]!)),
        heartbeat({
          ...config,
          isPong: () => {
            throw bug;
          },
        }),
      );
      expectObservable(socket$.pipe(map(() => 'p'))).toBe('p 9ms #', undefined, bug);
    });
  });

  it('bad config throws a TypeError when the operator is created', () => {
    expect(() => heartbeat({ ...config, interval: -1 })).toThrow(new RangeError('heartbeat: interval must be a finite number of milliseconds > 0, got -1'));
    // Node would run a 2^31 ms timer after 1 ms and drop a healthy connection.
    expect(() => heartbeat({ ...config, timeout: 2 ** 31 })).toThrow(/heartbeat: timeout must be at most 2147483647 ms/);
    expect(() => heartbeat({ ...config, intervall: 5 } as never)).toThrow('heartbeat: unknown option "intervall" (did you mean "interval"?)');
    expect(() => heartbeat({ ...config, timeout: 0 })).toThrow(/heartbeat: timeout must be a finite number of milliseconds > 0/);
    expect(() => heartbeat({ ...config, ping: undefined as never })).toThrow(/heartbeat: ping must be a function, got undefined/);
    expect(() => heartbeat({ ...config, isPong: 'pong' as never })).toThrow(/heartbeat: isPong must be a function/);
    expect(() => heartbeat(undefined as never)).toThrow(/heartbeat: config must be an object/);
    expect(() => heartbeat({ ...config, scheduler: 5 as never })).toThrow(/scheduler must be an RxJS SchedulerLike/);
  });
});
