// The envelope format of rxpeer/redis, byte for byte: every kind round-trips, and bytes that
// are not an envelope (other traffic on the same Redis channel) decode to null.
import { decodeEnvelope, encodeDel, encodeMessage, encodeSet, EnvelopeKind } from '../../src/redis/envelope.js';

describe('envelopes', () => {
  it('round-trip messages, entry sets and deletes, with the counter and node', () => {
    const payload = new Uint8Array([0, 1, 255]);
    expect(decodeEnvelope(encodeMessage(42, 'node-a', payload))).toEqual({ kind: EnvelopeKind.MESSAGE, counter: 42, node: 'node-a', payload });
    expect(decodeEnvelope(encodeSet(7, 'n', '["room","id ✓"]', 'v'))).toEqual({ kind: EnvelopeKind.SET, counter: 7, node: 'n', key: '["room","id ✓"]', value: 'v' });
    expect(decodeEnvelope(encodeDel(2 ** 40, 'n', 'k'))).toEqual({ kind: EnvelopeKind.DEL, counter: 2 ** 40, node: 'n', key: 'k' });
  });

  it('refuses what is not an envelope (other traffic on the same Redis channel)', () => {
    expect(decodeEnvelope(new TextEncoder().encode('hello'))).toBeNull();
    const bad = encodeSet(1, 'n', 'key', 'v');
    bad[0] = 9;
    expect(decodeEnvelope(bad)).toBeNull();
    expect(decodeEnvelope(encodeSet(1, 'n', 'key', 'v').subarray(0, 12))).toBeNull();
  });

  it('reads an envelope inside a larger buffer (Node hands pooled Buffers with an offset)', () => {
    const envelope = encodeSet(3, 'node-b', 'k', 'value ✓');
    const pool = new Uint8Array(envelope.byteLength + 13);
    pool.set(envelope, 7);
    expect(decodeEnvelope(pool.subarray(7, 7 + envelope.byteLength))).toEqual({ kind: EnvelopeKind.SET, counter: 3, node: 'node-b', key: 'k', value: 'value ✓' });
  });

  it('empty bodies: a message with no payload, a delete of the empty key, an empty value', () => {
    expect(decodeEnvelope(encodeMessage(0, 'n', new Uint8Array(0)))).toEqual({ kind: EnvelopeKind.MESSAGE, counter: 0, node: 'n', payload: new Uint8Array(0) });
    expect(decodeEnvelope(encodeDel(1, 'n', ''))).toEqual({ kind: EnvelopeKind.DEL, counter: 1, node: 'n', key: '' });
    expect(decodeEnvelope(encodeSet(1, '', 'k', ''))).toEqual({ kind: EnvelopeKind.SET, counter: 1, node: '', key: 'k', value: '' });
  });

  it('refuses a counter that is not a safe integer, a node id past the end, a SET key past the end', () => {
    const fractional = encodeDel(1, 'n', 'k');
    new DataView(fractional.buffer).setFloat64(1, 1.5);
    expect(decodeEnvelope(fractional)).toBeNull();
    const nodeTooLong = encodeDel(1, 'n', '');
    nodeTooLong[9] = 200;
    expect(decodeEnvelope(nodeTooLong)).toBeNull();
    const keyTooLong = encodeSet(1, 'n', 'key', '');
    new DataView(keyTooLong.buffer).setUint16(11, 4);
    expect(decodeEnvelope(keyTooLong)).toBeNull();
    expect(decodeEnvelope(encodeSet(1, 'n', 'key', 'v').subarray(0, 12))).toBeNull(); // half a key length
    expect(decodeEnvelope(new Uint8Array(9))).toBeNull();
  });
});
