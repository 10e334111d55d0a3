import { KEPT_AS_HANDED_OVER, PacketQueue, SMALL_PAYLOAD_BYTES } from '../../src/peer/packet-queue.js';

/** A payload whose bytes say which message it is, so any mix-up shows. */
function payload(id: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (id + i) & 0xff;
  return bytes;
}

describe('PacketQueue', () => {
  it('gives messages back in order, with their bytes, sizes and frame types', () => {
    const queue = new PacketQueue();
    const sizes = [0, 1, 5, SMALL_PAYLOAD_BYTES - 1, SMALL_PAYLOAD_BYTES, 70_000, 3];
    sizes.forEach((size, id) => queue.push(payload(id, size), id % 2 === 0));
    expect(queue.length).toBe(sizes.length);
    sizes.forEach((size, i) => expect(queue.sizeAt(i)).toBe(size));
    sizes.forEach((size, id) => {
      const packet = queue.shift()!;
      expect(packet.isString).toBe(id % 2 === 0);
      expect([...packet.data]).toEqual([...payload(id, size)]);
    });
    expect(queue.shift()).toBeUndefined();
    expect(queue.length).toBe(0);
  });

  it('reports the size of a payload too large for its slot (2^29 bytes and more) from the payload itself', () => {
    const queue = new PacketQueue();
    // Stand-ins with the sizes of huge payloads (the queue reads only their lengths on push).
    const huge = (byteLength: number) => ({ byteLength, buffer: { byteLength } }) as unknown as Uint8Array;
    const sizes = [16, 2 ** 29 - 2, 2 ** 29 - 1, 2 ** 29, 2000, 2 ** 32 + 5, 3];
    sizes.forEach((size) => queue.push(size >= SMALL_PAYLOAD_BYTES * 1024 ? huge(size) : payload(size, size), false));
    sizes.forEach((size, i) => expect(queue.sizeAt(i)).toBe(size));
    queue.shift();
    queue.shift();
    sizes.slice(2).forEach((size, i) => expect(queue.sizeAt(i)).toBe(size));
    for (const size of sizes.slice(2)) expect(queue.shift()!.data.byteLength).toBe(size);
  });

  it('keeps every byte through growth and compaction while pushes and shifts interleave', () => {
    const queue = new PacketQueue();
    let pushed = 0;
    let taken = 0;
    // Deterministic sizes from a fixed sequence: mostly small, now and then a large one.
    const sizeOf = (n: number): number => (n % 37 === 0 ? SMALL_PAYLOAD_BYTES + (n % 5) : (n * 7919) % 300);
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round % 7) + 1; i++, pushed++) queue.push(payload(pushed, sizeOf(pushed)), pushed % 3 === 0);
      for (let i = 0; i < (round % 5) + 1 && queue.length > 0; i++, taken++) {
        const packet = queue.shift()!;
        expect(packet.isString).toBe(taken % 3 === 0);
        expect(packet.data).toEqual(payload(taken, sizeOf(taken)));
      }
    }
    while (queue.length > 0) expect(queue.shift()!.data).toEqual(payload(taken, sizeOf(taken++)));
    expect(taken).toBe(pushed);
  });

  it('keeps every byte and the order when a backlog goes past what is kept as handed over', () => {
    const queue = new PacketQueue();
    let pushed = 0;
    let taken = 0;
    const sizeOf = (n: number): number => (n % 29 === 0 ? SMALL_PAYLOAD_BYTES + (n % 3) : (n * 7919) % 200);
    // Bursts larger than the kept count, drained a little slower than they come.
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < KEPT_AS_HANDED_OVER + (round % 9) * 5; i++, pushed++) queue.push(payload(pushed, sizeOf(pushed)), pushed % 4 === 0);
      for (let i = 0; i < KEPT_AS_HANDED_OVER + (round % 7) * 4 && queue.length > 0; i++, taken++) {
        const packet = queue.shift()!;
        expect(packet.isString).toBe(taken % 4 === 0);
        expect(packet.data).toEqual(payload(taken, sizeOf(taken)));
      }
    }
    while (queue.length > 0) expect(queue.shift()!.data).toEqual(payload(taken, sizeOf(taken++)));
    expect(taken).toBe(pushed);
  });

  it('hands a message over as it was pushed while few wait, and copies small ones past that', () => {
    const queue = new PacketQueue();
    const pushed = Array.from({ length: KEPT_AS_HANDED_OVER + 2 }, (_, id) => payload(id, 8));
    for (const bytes of pushed) queue.push(bytes, false);
    pushed.forEach((bytes, i) => {
      const data = queue.shift()!.data;
      if (i < KEPT_AS_HANDED_OVER) expect(data).toBe(bytes);
      else expect(data).not.toBe(bytes);
      expect(data).toEqual(bytes);
    });
  });

  it('never keeps a much larger buffer alive: a small view into a 64 KiB read is copied, a large one kept', () => {
    const queue = new PacketQueue();
    const read = new Uint8Array(64 * 1024).fill(7); // a socket read, as ws hands out views of it
    const small = read.subarray(100, 116);
    const large = read.subarray(0, 20 * 1024);
    queue.push(small, false);
    queue.push(large, false);
    const first = queue.shift()!.data;
    expect(first).not.toBe(small);
    expect(first.buffer.byteLength).toBe(16);
    expect([...first]).toEqual([...small]);
    expect(queue.shift()!.data).toBe(large); // 64 KiB ≤ 4 × 20 KiB + 256: kept as handed over
  });

  it('hands out copies the queue no longer touches', () => {
    const queue = new PacketQueue();
    queue.push(Uint8Array.of(1, 2, 3), false);
    const first = queue.shift()!.data;
    queue.push(Uint8Array.of(9, 9, 9), false);
    expect([...first]).toEqual([1, 2, 3]);
  });

  it('clear() empties it', () => {
    const queue = new PacketQueue();
    queue.push(payload(1, 10), true);
    queue.push(payload(2, 5000), false);
    queue.clear();
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
    queue.push(payload(3, 4), true);
    expect(queue.shift()!.data).toEqual(payload(3, 4));
  });
});
