// The ring-buffer FIFO under every peer queue: order, growth across the wrap point, at(),
// clear(), and shift() on empty.
import { Queue } from '../../src/peer/queue';

describe('Queue', () => {
  it('gives items back in the order they came, across growth and the wrap point', () => {
    const queue = new Queue<number>();
    const expected: number[] = [];
    let next = 0;
    // Push more than the initial capacity while shifting, so the head wraps before each growth.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3 + (round % 5); i++) {
        queue.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < 2; i++) expect(queue.shift()).toBe(expected.shift());
      expect(queue.length).toBe(expected.length);
    }
    expect(expected.map((_, i) => queue.at(i))).toEqual(expected);
    while (expected.length > 0) expect(queue.shift()).toBe(expected.shift());
    expect(queue.length).toBe(0);
  });

  it('answers undefined for shift() when empty and at() out of range', () => {
    const queue = new Queue<string>();
    expect(queue.shift()).toBeUndefined();
    queue.push('a');
    expect(queue.at(-1)).toBeUndefined();
    expect(queue.at(1)).toBeUndefined();
    expect(queue.at(0)).toBe('a');
  });

  it('forgets everything on clear() and works afterwards', () => {
    const queue = new Queue<number>();
    for (let i = 0; i < 100; i++) queue.push(i);
    queue.clear();
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
    queue.push(7);
    expect(queue.shift()).toBe(7);
  });

  it('lets go of shifted items (no reference kept in the ring)', () => {
    const queue = new Queue<object>();
    const item = {};
    queue.push(item);
    queue.shift();
    queue.push({});
    // The slot the first item used is cleared; at() sees only what is queued.
    expect(queue.at(0)).not.toBe(item);
    expect(queue.length).toBe(1);
  });
});
