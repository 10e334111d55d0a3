// The pure parts of rxpeer/redis: id slots and the envelope format.
import { idInSlot, SLOT_COUNT, slotOf } from '../../src/redis/id-slots.js';
import { decodeEnvelope, encodeDel, encodeMessage, encodeSet, EnvelopeKind } from '../../src/redis/envelope.js';

describe('id slots', () => {
  it('make ids inside the slot, valid for Godot (2 to 2³¹ − 1), avoiding the taken ones', () => {
    for (const slot of [0, 1, 511, SLOT_COUNT - 1]) {
      for (let i = 0; i < 100; i++) {
        const id = idInSlot(slot, () => false)!;
        expect(slotOf(id)).toBe(slot);
        expect(id).toBeGreaterThanOrEqual(2);
        expect(id).toBeLessThanOrEqual(0x7fffffff);
      }
    }
    // Slot 0 never gives 0 or 1 (broadcast and the server), even when the random pick says so.
    expect(idInSlot(0, () => false, () => 0)).toBe(2);
    const taken = new Set([5 * 2 ** 21, 5 * 2 ** 21 + 1]);
    expect(idInSlot(5, (id) => taken.has(id), () => 0)).toBe(5 * 2 ** 21 + 2);
  });

  it('say when a slot is full', () => {
    expect(idInSlot(3, () => true)).toBeNull();
  });
});

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
});
