// Cluster-wide client ids without asking Redis for each: ids made inside a node's leased
// slot, valid for Godot, avoiding taken ones, and null only when the slot is full.
import { idInSlot, SLOT_COUNT, slotOf } from '../../src/redis/id-slots.js';

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

  it('a crowded slot: when random picks keep hitting taken ids, every id is looked at once', () => {
    const base = 9 * 2 ** 21;
    const free = base + 123_456;
    expect(idInSlot(9, (id) => id !== free, () => 0.5)).toBe(free);
  });

  it('slotOf: slot boundaries, and the last slot ends at 2³¹ − 1', () => {
    expect(SLOT_COUNT).toBe(1024);
    expect(slotOf(2)).toBe(0);
    expect(slotOf(2 ** 21 - 1)).toBe(0);
    expect(slotOf(2 ** 21)).toBe(1);
    expect(slotOf(0x7fffffff)).toBe(SLOT_COUNT - 1);
    expect(idInSlot(SLOT_COUNT - 1, () => false, () => 0.9999999999)).toBe(0x7fffffff);
  });
});
