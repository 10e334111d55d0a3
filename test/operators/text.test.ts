import { DecodeError, fromPeer, text, type Packet } from 'rxpeer';
import { scriptRemote } from 'rxpeer/testing';
import { binaryPacket, createTestScheduler, textPacket } from './helpers';

describe('text()', () => {
  it('passes text frames over a scripted remote, in order, and completes with the clean close', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a--b-|', { a: 'hello', b: 'wörld ✓' });
      const lines = fromPeer(peer).packets$.pipe(text());
      expectObservable(lines).toBe('-a--b-|', { a: 'hello', b: 'wörld ✓' });
    });
  });

  it('skips an unexpected binary frame, reports it through onError, and goes on', () => {
    const errors: DecodeError[] = [];
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a-b-c|', { a: 'one', b: new Uint8Array([1, 2]), c: 'three' });
      const lines = fromPeer(peer).packets$.pipe(text({ onError: (e) => errors.push(e) }));
      expectObservable(lines).toBe('-a---c|', { a: 'one', c: 'three' });
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DecodeError);
    expect(errors[0]!.reason).toBe('unexpected-binary');
    expect([...errors[0]!.packet.data]).toEqual([1, 2]);
  });

  it('a decode error without onError is still only a skip: the stream survives', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const packets = cold<Packet>('-a-b-c-|', { a: textPacket('x'), b: binaryPacket(9), c: textPacket('y') });
      const subs = '                ^------!';
      expectObservable(packets.pipe(text())).toBe('-a---c-|', { a: 'x', c: 'y' });
      expectSubscriptions(packets.subscriptions).toBe(subs);
    });
  });

  it('acceptBinary decodes binary frames as UTF-8; invalid UTF-8 is a decode error', () => {
    const reasons: string[] = [];
    createTestScheduler().run(({ cold, expectObservable }) => {
      const packets = cold<Packet>('-a-b-c|', { a: binaryPacket(0x68, 0x69), b: binaryPacket(0xff, 0xfe), c: textPacket('t') });
      const expected = '            -a---c|';
      expectObservable(packets.pipe(text({ acceptBinary: true, onError: (e) => reasons.push(e.reason) }))).toBe(expected, {
        a: 'hi',
        c: 't',
      });
    });
    expect(reasons).toEqual(['invalid-utf8']);
  });

  it('failOnError: the first decode error ends the stream and unsubscribes the source', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const packets = cold<Packet>('-a-b-c|', { a: textPacket('x'), b: binaryPacket(1), c: textPacket('y') });
      const subs = '                ^--!';
      const expected = '            -a-#';
      expectObservable(packets.pipe(text({ failOnError: true }))).toBe(expected, { a: 'x' }, new DecodeError('unexpected-binary', binaryPacket(1)));
      expectSubscriptions(packets.subscriptions).toBe(subs);
    });
  });

  it('a throwing onError ends the stream with that error, as a throwing map() would', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const packets = cold<Packet>('-a-b|', { a: binaryPacket(1), b: textPacket('y') });
      const boom = new Error('boom');
      expectObservable(
        packets.pipe(
          text({
            onError: () => {
              throw boom;
            },
          }),
        ),
      ).toBe('-#', undefined, boom);
    });
  });

  it('completes with packets$ after an unclean drop (packets$ never errors)', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a--#', { a: 'x' });
      expectObservable(fromPeer(peer).packets$.pipe(text())).toBe('-a--|', { a: 'x' });
    });
  });

  it('without onError, a skipped packet is reported with console.warn, never silently', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const packets = cold('ab|', { a: binaryPacket(1), b: textPacket('ok') });
        expectObservable(packets.pipe(text())).toBe('-b|', { b: 'ok' });
      });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toMatch(/^rxpeer text\(\): skipped a packet: cannot decode packet: unexpected-binary/);
    } finally {
      warn.mockRestore();
    }
  });

  it('bad config throws a TypeError when the operator is created', () => {
    expect(() => text({ acceptBinary: 'yes' as unknown as boolean })).toThrow(new TypeError('text: acceptBinary must be a boolean, got "yes"'));
    expect(() => text({ onError: 42 as unknown as () => void })).toThrow(TypeError);
    expect(() => text({ failOnError: 1 as unknown as boolean })).toThrow(/text: failOnError must be a boolean/);
    expect(() => text(null as unknown as object)).toThrow(/text: config must be an object/);
    expect(() => text({ onErorr: () => {} } as never)).toThrow('text: unknown option "onErorr" (did you mean "onError"?)');
  });
});
