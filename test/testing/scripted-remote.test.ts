// scriptRemote(): a remote that plays a marble script against a local peer, in virtual time.
// Each value goes out at its frame with its frame type, `|` closes with the close asked for,
// `#` drops without a close frame, and what the local side sent is recorded with its frame.
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromPeer, State } from 'rxpeer';
import { scriptRemote } from 'rxpeer/testing';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const shown = map((p: { isString: boolean; text?: string; data: Uint8Array }) => (p.isString ? p.text! : [...p.data]));

describe('scriptRemote', () => {
  it('sends strings as text, Uint8Arrays as binary and a bare letter as itself, each at its frame', () => {
    scheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a-b-c|', { a: 'hello', b: new Uint8Array([1, 2]) });
      expectObservable(fromPeer(peer).packets$.pipe(shown)).toBe('-a-b-c|', { a: 'hello', b: [1, 2], c: 'c' });
    });
  });

  it('`|` closes cleanly with options.close; `#` drops without a close frame (-1)', () => {
    scheduler().run(({ expectObservable }) => {
      const clean = scriptRemote('--|', {}, { close: { code: 4000, reason: 'done' } });
      expectObservable(fromPeer(clean.peer).close$).toBe('--(x|)', { x: { code: 4000, reason: 'done', wasClean: true } });
      const dropped = scriptRemote('---#');
      expectObservable(fromPeer(dropped.peer).close$).toBe('---(x|)', {
        x: { code: -1, reason: '', wasClean: false, cause: expect.any(String) as unknown as string },
      });
    });
  });

  it('refuse: the local peer goes from CONNECTING to CLOSED (-1) without opening', () => {
    scheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('', {}, { refuse: true });
      const socket = fromPeer(peer);
      expectObservable(socket.state$).toBe('(cC|)', { c: State.CONNECTING, C: State.CLOSED });
    });
  });

  it('records what the local side sent, in order, with the frame the remote polled it in', () => {
    const testScheduler = scheduler();
    let remote!: ReturnType<typeof scriptRemote>;
    testScheduler.run(({ cold }) => {
      remote = scriptRemote('-----|');
      const socket = fromPeer(remote.peer);
      socket.packets$.subscribe(); // drives the local peer's poll()
      cold('-x-y').subscribe((v) => socket.send(v === 'x' ? 'first' : new Uint8Array([9])));
    });
    expect(remote.received.map(({ frame, packet }) => [frame, packet.isString ? packet.text : [...packet.data]])).toEqual([
      [1, 'first'],
      [3, [9]],
    ]);
  });

  it.each<[string, () => unknown, ErrorConstructor, RegExp]>([
    ['a script that is not a string', () => scriptRemote(5 as never), TypeError, /^scriptRemote: script must be a marble string, got 5$/],
    ['values that are not an object', () => scriptRemote('-', [] as never), TypeError, /^scriptRemote: values must be an object, got an array of 0$/],
    ['a value of another type', () => scriptRemote('-a', { a: 1 } as never), TypeError, /^scriptRemote: values\.a must be a string or a Uint8Array, got 1$/],
    ['an unknown option', () => scriptRemote('-', {}, { refused: true } as never), TypeError, /^scriptRemote: unknown option "refused" \(did you mean "refuse"\?\)$/],
    ['a scheduler without now()', () => scriptRemote('-', {}, { scheduler: { schedule() {} } } as never), TypeError, /scheduler must be an RxJS SchedulerLike/],
    ['a flag that is not a boolean', () => scriptRemote('-', {}, { answersPings: 'no' } as never), TypeError, /^scriptRemote: answersPings must be a boolean, got "no"$/],
    ['close that is not an object', () => scriptRemote('-|', {}, { close: 1000 } as never), TypeError, /^scriptRemote: close must be \{ code, reason\? \}, got 1000$/],
    ['a close code no frame can carry', () => scriptRemote('-|', {}, { close: { code: 1006 } }), RangeError, /close\.code must be a close code a frame can carry .* got 1006$/],
    ['a reason over 123 bytes', () => scriptRemote('-|', {}, { close: { code: 1000, reason: 'é'.repeat(62) } }), RangeError, /close\.reason must be a string of at most 123 UTF-8 bytes/],
  ])('refuses %s at the call', (_what, call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });
});
