import { map } from 'rxjs';
import { binary, DecodeError, fromPeer, type Packet } from 'rxpeer';
import { scriptRemote } from 'rxpeer/testing';
import { binaryPacket, createTestScheduler, textPacket } from './helpers';

const show = (bytes: Uint8Array): string => [...bytes].join(',');

describe('binary()', () => {
  it('passes binary frames as their bytes, in order', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a-b|', { a: new Uint8Array([1, 2, 3]), b: new Uint8Array(0) });
      expectObservable(fromPeer(peer).packets$.pipe(binary(), map(show))).toBe('-a-b|', { a: '1,2,3', b: '' });
    });
  });

  it('skips an unexpected text frame and reports it; the stream goes on', () => {
    const errors: DecodeError[] = [];
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a-b-c|', { a: new Uint8Array([7]), b: 'chatter', c: new Uint8Array([8]) });
      const bytes = fromPeer(peer).packets$.pipe(binary({ onError: (e) => errors.push(e) }), map(show));
      expectObservable(bytes).toBe('-a---c|', { a: '7', c: '8' });
    });
    expect(errors.map((e) => [e.reason, e.packet.text])).toEqual([['unexpected-text', 'chatter']]);
  });

  it('acceptText passes text frames as their UTF-8 bytes', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const packets = cold<Packet>('-a-b|', { a: textPacket('é'), b: binaryPacket(1) });
      expectObservable(packets.pipe(binary({ acceptText: true }), map(show))).toBe('-a-b|', { a: '195,169', b: '1' });
    });
  });

  it('failOnError ends the stream at the first text frame and unsubscribes the source', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const packets = cold<Packet>('-a--b--c|', { a: binaryPacket(1), b: textPacket('no'), c: binaryPacket(2) });
      const subs = '                ^---!';
      const expected = '            -a--#';
      expectObservable(packets.pipe(binary({ failOnError: true }), map(show))).toBe(
        expected,
        { a: '1' },
        new DecodeError('unexpected-text', textPacket('no')),
      );
      expectSubscriptions(packets.subscriptions).toBe(subs);
    });
  });

  it('bad config throws a TypeError when the operator is created', () => {
    expect(() => binary({ acceptText: 1 as unknown as boolean })).toThrow(new TypeError('binary: acceptText must be a boolean, got 1'));
    expect(() => binary({ onError: 'log' as unknown as () => void })).toThrow(/binary: onError must be a function/);
  });
});
