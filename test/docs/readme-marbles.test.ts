// The README's testing example, kept true.
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromPeer, State } from 'rxpeer';
import { scriptRemote } from 'rxpeer/testing';

const S = { c: State.CONNECTING, o: State.OPEN, l: State.CLOSING, C: State.CLOSED };

it('README: shows the remote close', () => {
  new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ expectObservable }) => {
    const { peer } = scriptRemote('-a---|', { a: 'hello' }, { close: { code: 4001, reason: 'done' } });
    const socket = fromPeer(peer);
    expectObservable(socket.state$).toBe('(co)-(lC|)', S);
    expectObservable(socket.packets$.pipe(map((p) => p.text))).toBe('-a---|', { a: 'hello' });
  });
});
