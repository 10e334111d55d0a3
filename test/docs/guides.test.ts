// The examples of the API reference's guides (docs/*.md include these regions verbatim with
// TypeDoc's {@includeCode}), run as written.
import { map, retry, switchMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { connection, fromPeer, reconnect, State, text } from 'rxpeer';
import { createMemoryPair, scriptConnections, scriptRemote } from 'rxpeer/testing';

// #region scheduler
let testScheduler: TestScheduler;
beforeEach(() => {
  // A new one per test: virtual time does not start over when run() is called again.
  testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});
// #endregion scheduler

describe('the marble-testing guide', () => {
  it('a scripted remote', () => {
    // #region remote
    const S = { c: State.CONNECTING, o: State.OPEN, l: State.CLOSING, C: State.CLOSED };

    testScheduler.run(({ expectObservable }) => {
      // The remote sends "hello" at frame 1, then closes cleanly with 4001 at frame 5.
      const { peer } = scriptRemote('-a---|', { a: 'hello' }, { close: { code: 4001, reason: 'done' } });
      const socket = fromPeer(peer); // polled by the asapScheduler, which run() makes virtual
      expectObservable(socket.state$).toBe('(co)-(lC|)', S);
      expectObservable(socket.packets$.pipe(text())).toBe('-a---|', { a: 'hello' });
      expectObservable(socket.close$.pipe(map((close) => close.code))).toBe('-----(x|)', { x: 4001 });
    });
    // #endregion remote
  });

  it('what the remote received', () => {
    // #region received
    testScheduler.run(({ flush }) => {
      const { peer, received } = scriptRemote('----|');
      const socket = fromPeer(peer);
      socket.state$.subscribe((state) => {
        if (state === State.OPEN) socket.send('hi');
      });
      flush();
      expect(received.map(({ packet }) => packet.text)).toEqual(['hi']);
    });
    // #endregion received
  });

  it('a reconnecting pipeline', () => {
    // #region reconnect
    const S = { c: State.CONNECTING, o: State.OPEN, l: State.CLOSING, C: State.CLOSED };

    testScheduler.run(({ expectObservable }) => {
      // Connection 1 drops at frame 5; 10 ms later connection 2 is refused; 20 ms after that
      // connection 3 opens (state$ shows OPEN again) and closes cleanly 6 frames later.
      const { connections$ } = scriptConnections(['-----#', { refuse: true }, '------|']);
      const socket = connection(connections$.pipe(reconnect({ initialDelay: 10, jitter: 0 })));
      expectObservable(socket.state$).toBe('(co)-C 29ms o 5ms (lC|)', S);
    });
    // #endregion reconnect
  });
});

describe('the failure-rule guide', () => {
  it('a dropped connection: the streams complete, close$ says how', () => {
    // #region drop
    const [local, remote] = createMemoryPair();
    const socket = fromPeer(local);
    const seen: string[] = [];
    socket.packets$.subscribe({ complete: () => seen.push('packets$ complete') });
    socket.close$.subscribe((close) => seen.push(`close$ ${close.code} clean: ${close.wasClean}`));
    remote.poll();
    local.poll();
    remote.close(-1); // the remote drops the connection: no close frame
    remote.poll();
    local.poll();
    expect(seen).toEqual(['packets$ complete', 'close$ -1 clean: false']);
    // #endregion drop
  });

  it('retry() reconnects connect()-shaped streams after a drop', () => {
    // #region retry
    testScheduler.run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['-a-#', '--b-|'], { a: 'first', b: 'second' });
      const messages$ = connections$.pipe(
        switchMap((socket) => socket.packets$.pipe(text())),
        retry({ delay: 5 }),
      );
      // The drop at frame 3 ends nothing downstream: retry() resubscribes 5 ms later.
      expectObservable(messages$).toBe('-a--------b-|', { a: 'first', b: 'second' });
    });
    // #endregion retry
  });
});
