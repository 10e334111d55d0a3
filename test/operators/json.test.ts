import { DecodeError, fromPeer, json, type Packet } from 'rxpeer';
import { scriptRemote } from 'rxpeer/testing';
import { binaryPacket, createTestScheduler, textPacket } from './helpers';

interface Tick {
  symbol: string;
  price: number;
}
const isTick = (v: unknown): v is Tick =>
  typeof v === 'object' && v !== null && typeof (v as Tick).symbol === 'string' && typeof (v as Tick).price === 'number';

describe('json()', () => {
  it('parses text frames over a scripted remote', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a-b|', { a: '{"n":1}', b: '[1,2]' });
      expectObservable(fromPeer(peer).packets$.pipe(json())).toBe('-a-b|', { a: { n: 1 }, b: [1, 2] });
    });
  });

  it('malformed JSON and a binary frame are skipped and reported; the stream goes on', () => {
    const errors: DecodeError[] = [];
    createTestScheduler().run(({ expectObservable }) => {
      const { peer } = scriptRemote('-a-b-c-d|', { a: '{"n":1}', b: '{"n":', c: new Uint8Array([0x7b, 0x7d]), d: '{"n":4}' });
      const values = fromPeer(peer).packets$.pipe(json({ onError: (e) => errors.push(e) }));
      expectObservable(values).toBe('-a-----d|', { a: { n: 1 }, d: { n: 4 } });
    });
    expect(errors.map((e) => e.reason)).toEqual(['invalid-json', 'unexpected-binary']);
    expect(errors[0]!.packet.text).toBe('{"n":');
    expect(errors[0]!.cause).toBeInstanceOf(SyntaxError);
  });

  it('validate narrows the type; a value it refuses is an invalid-value decode error', () => {
    const reasons: string[] = [];
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const packets = cold<Packet>('-a-b-c|', {
        a: textPacket('{"symbol":"EURUSD","price":1.1}'),
        b: textPacket('{"symbol":"EURUSD"}'),
        c: textPacket('{"symbol":"GBPUSD","price":1.3}'),
      });
      const subs = '                ^-----!';
      const ticks = packets.pipe(json({ validate: isTick, onError: (e) => reasons.push(e.reason) }));
      expectObservable(ticks).toBe('-a---c|', { a: { symbol: 'EURUSD', price: 1.1 }, c: { symbol: 'GBPUSD', price: 1.3 } });
      expectSubscriptions(packets.subscriptions).toBe(subs);
    });
    expect(reasons).toEqual(['invalid-value']);
  });

  it('acceptBinary parses binary frames as UTF-8 JSON; reviver is applied', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const packets = cold<Packet>('-a-b|', { a: binaryPacket(...new TextEncoder().encode('{"at":"5"}')), b: textPacket('{"at":"6"}') });
      const reviver = (key: string, value: unknown): unknown => (key === 'at' ? Number(value) : value);
      expectObservable(packets.pipe(json({ acceptBinary: true, reviver }))).toBe('-a-b|', { a: { at: 5 }, b: { at: 6 } });
    });
  });

  it('failOnError: malformed JSON ends the stream with the DecodeError', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const packets = cold<Packet>('-a-b-c|', { a: textPacket('1'), b: textPacket('nope'), c: textPacket('3') });
      const subs = '                ^--!';
      const expected = '            -a-#';
      const decodeError = expect.objectContaining({ name: 'DecodeError', reason: 'invalid-json', packet: textPacket('nope') });
      expectObservable(packets.pipe(json({ failOnError: true }))).toBe(expected, { a: 1 }, decodeError);
      expectSubscriptions(packets.subscriptions).toBe(subs);
    });
  });

  it('a throwing validate ends the stream with its error', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const bug = new Error('validator bug');
      const packets = cold<Packet>('-a|', { a: textPacket('{}') });
      const validate = (): boolean => {
        throw bug;
      };
      expectObservable(packets.pipe(json({ validate }))).toBe('-#', undefined, bug);
    });
  });

  it('bad config throws a TypeError when the operator is created', () => {
    expect(() => json({ validate: true as unknown as () => boolean })).toThrow(new TypeError('json: validate must be a function, got true'));
    expect(() => json({ reviver: {} as unknown as () => unknown })).toThrow(/json: reviver must be a function/);
    expect(() => json({ acceptBinary: null as unknown as boolean })).toThrow(/json: acceptBinary must be a boolean/);
    expect(() => json('strict' as unknown as object)).toThrow(/json: config must be an object/);
  });
});
