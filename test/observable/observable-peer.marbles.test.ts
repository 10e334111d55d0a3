import { map, takeUntil } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ErrorCode, fromPeer, State, WebSocketPeer, type Packet } from 'rxpeer';
import { createMemoryPair, scriptRemote } from 'rxpeer/testing';

const S = { c: State.CONNECTING, o: State.OPEN, l: State.CLOSING, C: State.CLOSED };
const describePacket = (p: Packet): string => (p.isString ? `text:${p.text}` : `bytes:${[...p.data].join(',')}`);

function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

// Each scenario runs in both drive modes: on demand (default) and a fixed 10 ms beat.
describe('fromPeer, on demand', () => {
  it('local close: CONNECTING → OPEN → CLOSING → CLOSED, with close$ and packets$ ending', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { peer, remote } = scriptRemote('');
      const socket = fromPeer(peer);
      const closeAt = cold('        ----x').pipe(map(() => socket.close(4000, 'bye')));
      const expectedStates = '      (co)(lC|)';
      const expectedClose = '       ----(x|)';
      expectObservable(socket.state$).toBe(expectedStates, S);
      expectObservable(socket.close$).toBe(expectedClose, { x: { code: 4000, reason: 'bye', wasClean: true } });
      expectObservable(socket.packets$).toBe('----|');
      expectObservable(closeAt).toBe('      ----x', { x: ErrorCode.OK });
      expectObservable(remote.close$).toBe('----(x|)', { x: { code: 4000, reason: 'bye', wasClean: true } });
    });
  });

  it('remote close: OPEN → CLOSING → CLOSED inside one poll', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('    ------|', {}, { close: { code: 4001, reason: 'done' } });
      const socket = fromPeer(peer);
      expectObservable(socket.state$).toBe('(co)--(lC|)', S);
      expectObservable(socket.close$).toBe('------(x|)', { x: { code: 4001, reason: 'done', wasClean: true } });
    });
  });

  it('unclean drop: OPEN → CLOSED with -1 and a cause; packets$ completes, never errors', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('    -----#');
      const socket = fromPeer(peer);
      expectObservable(socket.state$).toBe('(co)-(C|)', S);
      expectObservable(socket.packets$).toBe('-----|');
      expectObservable(socket.close$).toBe('-----(x|)', {
        x: { code: -1, reason: '', wasClean: false, cause: 'the remote dropped the connection without a close frame' },
      });
    });
  });

  it('failed connect: CONNECTING → CLOSED', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('', {}, { refuse: true });
      const socket = fromPeer(peer);
      expectObservable(socket.state$).toBe('(cC|)', S);
      expectObservable(socket.packets$).toBe('|');
      expectObservable(socket.close$).toBe('(x|)', { x: { code: -1, reason: '', wasClean: false, cause: 'connection to ws://memory/ refused' } });
    });
  });

  it('delivers packets in order, exactly once, to every subscriber, with their frame type', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const bytes = new Uint8Array([1, 2, 3]);
      const { peer } = scriptRemote('-a-b--(cd|)', { a: 'one', b: bytes, c: 'three', d: new Uint8Array(0) });
      const socket = fromPeer(peer);
      const expected = '            -a-b--(cd|)';
      const values = { a: 'text:one', b: 'bytes:1,2,3', c: 'text:three', d: 'bytes:' };
      expectObservable(socket.packets$.pipe(map(describePacket))).toBe(expected, values);
      expectObservable(socket.packets$.pipe(map(describePacket))).toBe(expected, values);
      expectObservable(socket.state$).toBe('(co)--(lC|)', S);
    });
  });

  it('shows packets that arrive with the close frame before CLOSED', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('---(ab|)', { a: 'x', b: 'y' });
      const socket = fromPeer(peer);
      expectObservable(socket.packets$.pipe(map(describePacket))).toBe('---(ab|)', { a: 'text:x', b: 'text:y' });
    });
  });

  it('sends from the local side arrive at the remote in order', () => {
    const scheduler = createTestScheduler();
    let remoteSaw: { frame: number; text: string | undefined }[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const script = scriptRemote('-------|');
      const socket = fromPeer(script.peer);
      const sends = cold('--a-b', { a: 'hello', b: 'world' }).pipe(map((m) => socket.send(m)));
      expectObservable(sends).toBe('--a-b', { a: ErrorCode.OK, b: ErrorCode.OK });
      expectObservable(socket.state$).toBe('(co)---(lC|)', S);
      scheduler.schedule(() => {
        remoteSaw = script.received.map(({ frame, packet }) => ({ frame, text: packet.text }));
      }, 10);
    });
    expect(remoteSaw).toEqual([
      { frame: 2, text: 'hello' },
      { frame: 4, text: 'world' },
    ]);
  });

  it('unsubscribes on takeUntil and stops polling: subscription timing and nothing left scheduled', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const { peer } = scriptRemote('');
      const socket = fromPeer(peer);
      const stop = cold('         -----x');
      const stopSubs = '          ^----!';
      expectObservable(socket.state$.pipe(takeUntil(stop))).toBe('(co)-|', S);
      expectSubscriptions(stop.subscriptions).toBe(stopSubs);
    });
  });

  it('send on a closed ObservablePeer returns the ErrorCode and never throws', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { peer } = scriptRemote('--#');
      const socket = fromPeer(peer);
      socket.state$.subscribe();
      expectObservable(cold('----x').pipe(map(() => socket.send('late')))).toBe('----x', { x: ErrorCode.FAILED });
    });
  });

  it('a state$ subscriber that arrives later gets the current state, then what follows', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { peer } = scriptRemote('------|');
      const socket = fromPeer(peer);
      socket.state$.subscribe();
      const late = cold('--x').pipe(map(() => null));
      expectObservable(socket.state$, '--^').toBe('--o---(lC|)', S);
      expectObservable(late).toBe('--x', { x: null });
    });
  });

  it('after CLOSED, new subscribers get CLOSED / the close info / unread packets, synchronously', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a|', { a: 'unread' });
      const socket = fromPeer(peer);
      socket.close$.subscribe(); // drives the peer to CLOSED without reading packets
      expectObservable(socket.state$, '     ----^').toBe('----(C|)', S);
      expectObservable(socket.close$, '     ----^').toBe('----(x|)', { x: { code: 1000, reason: '', wasClean: true } });
      expectObservable(socket.packets$.pipe(map(describePacket)), '----^').toBe('----(a|)', { a: 'text:unread' });
    });
  });

  it('the heartbeat: a remote that stops answering pings is CLOSED (-1) within two intervals', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('', {}, { answersPings: false });
      peer.heartbeatInterval = 1; // seconds: 1000 virtual ms
      const socket = fromPeer(peer);
      expectObservable(socket.state$).toBe('(co) 1996ms (C|)', S);
    });
  });

  it('the heartbeat keeps a live remote OPEN', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { peer } = scriptRemote('');
      peer.heartbeatInterval = 1;
      const socket = fromPeer(peer);
      const stop = cold('10s x');
      expectObservable(socket.state$.pipe(takeUntil(stop))).toBe('(co) 9996ms |', S);
    });
  });
});

describe('fromPeer, fixed beat (pollInterval 10)', () => {
  const beat = { pollInterval: 10 };

  it('local close: CLOSED shows on the next beat, CLOSING at once', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { peer } = scriptRemote('');
      const socket = fromPeer(peer, beat);
      cold('----x').subscribe(() => socket.close(4000, 'bye'));
      expectObservable(socket.state$).toBe('(co)l-----(C|)', S);
      expectObservable(socket.close$).toBe('----------(x|)', { x: { code: 4000, reason: 'bye', wasClean: true } });
    });
  });

  it('remote close: OPEN → CLOSING → CLOSED at the next beat', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('--|');
      const socket = fromPeer(peer, beat);
      expectObservable(socket.state$).toBe('(co)------(lC|)', S);
    });
  });

  it('unclean drop and failed connect', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const dropped = fromPeer(scriptRemote('-----#').peer, beat);
      const refused = fromPeer(scriptRemote('', {}, { refuse: true }).peer, beat);
      expectObservable(dropped.state$).toBe('(co)------(C|)', S);
      expectObservable(dropped.packets$).toBe('----------|');
      expectObservable(refused.state$).toBe('(cC|)', S);
    });
  });

  it('packets arrive on the beat, in order', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a-b 15ms (c|)', { a: 'one', b: new Uint8Array([9]), c: 'three' });
      const socket = fromPeer(peer, beat);
      expectObservable(socket.packets$.pipe(map(describePacket))).toBe('---------- (ab) 6ms (c|)', {
        a: 'text:one',
        b: 'bytes:9',
        c: 'text:three',
      });
    });
  });

  it('send() never polls off the beat: the remote answer shows at the next beat', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const [local, remote] = createMemoryPair();
      const socket = fromPeer(local, beat);
      const echo = fromPeer(remote);
      echo.packets$.subscribe((p) => echo.send(p.text ?? p.data));
      cold('---x').subscribe(() => socket.send('ping'));
      expectObservable(socket.packets$.pipe(map(describePacket)), '^ 30ms !').toBe('----------a', { a: 'text:ping' });
    });
  });
});

describe('fromPeer scheduling', () => {
  it('an idle on-demand peer has nothing scheduled; teardown leaves nothing scheduled', () => {
    const scheduler = createTestScheduler();
    const [local, remote] = createMemoryPair();
    const socket = fromPeer(local, { scheduler });
    fromPeer(remote, { scheduler }).state$.subscribe();
    const states: State[] = [];
    const subscription = socket.state$.subscribe((s) => states.push(s));
    scheduler.flush();
    expect(states).toEqual([State.CONNECTING, State.OPEN]);
    expect(scheduler.actions).toHaveLength(0); // idle: no polling at all
    remote.sendText('wake up');
    expect(scheduler.actions).toHaveLength(1); // one poll, scheduled on demand
    scheduler.flush();
    expect(scheduler.actions).toHaveLength(0);
    subscription.unsubscribe();
    expect(scheduler.actions).toHaveLength(0);
  });

  it('a fixed beat stops when the last subscriber leaves', () => {
    const scheduler = createTestScheduler();
    const [local, remote] = createMemoryPair();
    const socket = fromPeer(local, { scheduler, pollInterval: 10 });
    remote.poll();
    const a = socket.state$.subscribe();
    const b = socket.packets$.subscribe();
    scheduler.maxFrames = 100;
    scheduler.flush();
    expect(scheduler.actions.length).toBe(1); // the beat
    a.unsubscribe();
    expect(scheduler.actions.length).toBe(1);
    b.unsubscribe();
    expect(scheduler.actions.length).toBe(0);
  });

  it('the heartbeat arms one timer while idle, and it is gone after CLOSED', () => {
    const scheduler = createTestScheduler();
    const [local, remote] = createMemoryPair();
    local.heartbeatInterval = 5;
    const socket = fromPeer(local, { scheduler });
    fromPeer(remote, { scheduler }).state$.subscribe();
    socket.state$.subscribe();
    scheduler.maxFrames = 1;
    scheduler.flush();
    expect(scheduler.actions.map((a) => a.delay)).toEqual([5000]);
    socket.close(-1);
    // The local timer is gone; what is left is the remote's one poll to see the drop.
    expect(scheduler.actions.map((a) => a.delay)).toEqual([0]);
    scheduler.flush();
    expect(scheduler.actions).toHaveLength(0);
  });

  it('rejects bad options and a second wrapper with other options', () => {
    const peer = new WebSocketPeer();
    expect(() => fromPeer({} as WebSocketPeer)).toThrow(TypeError);
    expect(() => fromPeer(peer, { pollInterval: -1 })).toThrow(RangeError);
    expect(() => fromPeer(peer, { pollInterval: Number.NaN })).toThrow(/pollInterval/);
    expect(() => fromPeer(peer, { scheduler: {} as never })).toThrow(/SchedulerLike/);
    // Node would run a timer past 2^31 − 1 ms after 1 ms: refused, not a 1 ms beat.
    expect(() => fromPeer(peer, { pollInterval: 2 ** 31 })).toThrow(/pollInterval must be at most 2147483647/);
    // A typo is named, with the option that was meant.
    expect(() => fromPeer(peer, { polInterval: 5 } as never)).toThrow(/unknown option "polInterval" \(did you mean "pollInterval"\?\)/);
    expect(() => fromPeer(peer, 'fast' as never)).toThrow(/options must be an object, got "fast"/);
    const first = fromPeer(peer);
    expect(fromPeer(peer)).toBe(first);
    expect(() => fromPeer(peer, { pollInterval: 5 })).toThrow(/already wrapped/);
  });
});

describe('fromPeer with a full inbound queue', () => {
  it('keeps delivering: reading the visible packets wakes a poll that shows the backlog', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const [local, remote] = createMemoryPair();
      local.maxQueuedPackets = 2; // taken when the handshake completes, at the first poll
      const socket = fromPeer(local);
      const sender = fromPeer(remote);
      sender.state$.subscribe();
      cold('--x').subscribe(() => ['1', '2', '3', '4', '5'].forEach((m) => sender.send(m)));
      expectObservable(socket.packets$.pipe(map(describePacket)), '^ 10ms !').toBe('--(abcde)', {
        a: 'text:1',
        b: 'text:2',
        c: 'text:3',
        d: 'text:4',
        e: 'text:5',
      });
    });
  });
});
