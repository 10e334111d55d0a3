// scriptConnections(): connect()-shaped connection streams over scripted remotes, for
// reconnecting pipelines in virtual time. Subscription n plays script n; per-script options
// override the shared ones; a subscription past the last script errors.
import { map, merge, retry, switchMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { WebSocketCloseError } from 'rxpeer';
import { scriptConnections } from 'rxpeer/testing';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('scriptConnections', () => {
  it('emits once OPEN, completes after a clean close, errors with WebSocketCloseError after a drop', () => {
    scheduler().run(({ expectObservable }) => {
      const clean = scriptConnections(['--|']);
      expectObservable(clean.connections$.pipe(map(() => 'p'))).toBe('p-|');
      const dropped = scriptConnections(['--#']);
      expectObservable(dropped.connections$.pipe(map(() => 'p'))).toBe(
        'p-#',
        undefined,
        new WebSocketCloseError({ code: -1, reason: '', wasClean: false, cause: 'the remote dropped the connection without a close frame' }),
      );
    });
  });

  it('each subscription plays the next script; a refused one errors without emitting; past the last, an error', () => {
    scheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['-#', { refuse: true }, '--|']);
      expectObservable(connections$.pipe(retry(1), map(() => 'p'))).toBe('p#', undefined, expect.any(WebSocketCloseError));
      expectObservable(connections$.pipe(map(() => 'p')), '----^').toBe('----p-|');
      expectObservable(connections$, '--------^').toBe('--------#', undefined, new Error('scriptConnections: no script for connection #4'));
    });
  });

  it('shared values and options apply to every script unless it brings its own', () => {
    scheduler().run(({ expectObservable }) => {
      const { connections$ } = scriptConnections(['-a|', { script: '-a|', values: { a: 'own' }, close: { code: 4001 } }], { a: 'shared' }, { close: { code: 4000 } });
      const heard = connections$.pipe(switchMap((socket) => merge(socket.packets$.pipe(map((p) => p.text)), socket.close$.pipe(map((c) => c.code)))));
      expectObservable(heard).toBe('-a(c|)', { a: 'shared', c: 4000 });
      expectObservable(heard, '----^').toBe('-----a(c|)', { a: 'own', c: 4001 });
    });
  });

  it('unsubscribing closes the connection with 1000: the remote sees it', () => {
    const testScheduler = scheduler();
    const { connections$, remotes } = scriptConnections(['-----|']);
    const closes: unknown[] = [];
    testScheduler.run(({ cold }) => {
      const subscription = connections$.subscribe();
      cold('--x').subscribe(() => subscription.unsubscribe());
      remotes[0]!.remote.close$.subscribe((info) => closes.push(info));
    });
    expect(closes).toEqual([{ code: 1000, reason: '', wasClean: true }]);
  });
});
