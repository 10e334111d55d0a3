// decoder(): the one body behind text(), binary() and json(). A packet that does not decode
// is skipped and reported (onError, else console.warn: never dropped in silence), or ends
// the stream with failOnError; a throwing callback ends the stream, as in map().
import type { Packet } from 'rxpeer';
import { DecodeError, type Decoded, decoder } from '../../src/operators/decode-error';
import { binaryPacket, createTestScheduler, textPacket } from './helpers';

/** Text packets decode to their text; binary ones fail as unexpected-binary. */
const textOnly = (packet: Packet): Decoded<string> =>
  packet.isString ? { value: packet.text! } : { error: new DecodeError('unexpected-binary', packet) };

const packets = { a: textPacket('one'), b: binaryPacket(1), c: textPacket('two') };

describe('DecodeError', () => {
  it('keeps the packet and the reason; the message names the reason and the cause', () => {
    const packet = textPacket('{');
    const cause = new SyntaxError('Unexpected end of JSON input');
    const error = new DecodeError('invalid-json', packet, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DecodeError');
    expect(error.packet).toBe(packet);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('cannot decode packet: invalid-json (Unexpected end of JSON input)');
    expect(new DecodeError('invalid-utf8', packet).message).toBe('cannot decode packet: invalid-utf8');
  });
});

describe('decoder', () => {
  it('skips what does not decode and hands it to onError; the stream goes on', () => {
    const errors: DecodeError[] = [];
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold<Packet>('-a-b-c|', packets);
      expectObservable(source.pipe(decoder('t', { onError: (e) => errors.push(e) }, textOnly))).toBe('-a---c|', { a: 'one', c: 'two' });
    });
    expect(errors.map((e) => [e.reason, e.packet])).toEqual([['unexpected-binary', packets.b]]);
  });

  it('without onError, warns once per skipped packet naming the operator', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createTestScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold<Packet>('-a-b-c|', packets).pipe(decoder('text', {}, textOnly))).toBe('-a---c|', { a: 'one', c: 'two' });
      });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toMatch(/^rxpeer text\(\): skipped a packet: cannot decode packet: unexpected-binary \(pass onError/);
    } finally {
      warn.mockRestore();
    }
  });

  it('with failOnError, ends the stream with the DecodeError at the first failure', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold<Packet>('-a-b-c|', packets);
      expectObservable(source.pipe(decoder('t', { failOnError: true }, textOnly))).toBe(
        '-a-#',
        { a: 'one' },
        new DecodeError('unexpected-binary', packets.b),
      );
    });
  });

  it('a decode function or an onError that throws ends the stream with what it threw', () => {
    const boom = new Error('boom');
    createTestScheduler().run(({ cold, expectObservable }) => {
      const throwing = (): Decoded<string> => {
        throw boom;
      };
      expectObservable(cold<Packet>('-a|', packets).pipe(decoder('t', {}, throwing))).toBe('-#', undefined, boom);
      const onError = (): void => {
        throw boom;
      };
      expectObservable(cold<Packet>('-a-b-c|', packets).pipe(decoder('t', { onError }, textOnly))).toBe('-a-#', { a: 'one' }, boom);
    });
  });

  it('passes the source error and completion through', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Packet>('-a-#', packets, new Error('x')).pipe(decoder('t', {}, textOnly))).toBe('-a-#', { a: 'one' }, new Error('x'));
    });
  });

  it('refuses a bad config when the operator is made, naming the operator and the option', () => {
    expect(() => decoder('json', { onError: 'log' } as never, textOnly)).toThrow(new TypeError('json: onError must be a function, got "log"'));
    expect(() => decoder('json', { failOnError: 1 } as never, textOnly)).toThrow(new TypeError('json: failOnError must be a boolean, got 1'));
  });
});
