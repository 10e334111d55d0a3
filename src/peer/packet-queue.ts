import { createPacket, type Packet } from './packet.js';

/**
 * Payloads below this many bytes are copied into one shared byte store instead of being
 * kept as their own Uint8Array: a typed array and a packet object cost ~150 bytes of heap
 * each, several times a small message's payload. From this size on the overhead is small
 * beside the payload, and the copy would cost more than it saves.
 */
export const SMALL_PAYLOAD_BYTES = 1024;

const INITIAL_SLOTS = 4;
const INITIAL_STORE_BYTES = 256;
/** An empty store larger than this is released, so idle connections hold none. */
const KEEP_STORE_BYTES = 4096;

const EMPTY_STORE = new Uint8Array(0);
/** A queue that never received anything holds no ring at all. */
const NO_SLOTS = new Float64Array(0);

/**
 * The received messages of one peer, in order, at a memory cost of their payload plus
 * 8 bytes each (small messages), or their own Uint8Array (large ones). Packet objects are
 * made only when a message is taken, and nothing is allocated before the first message
 * (most of the memory of many idle connections is what each one holds while empty).
 * Limits count payload bytes, so memory follows them.
 */
export class PacketQueue {
  /**
   * One slot per message on a ring of `#slots.length` (a power of two): its payload size,
   * or for a text message -(size + 1). Whether the payload is in the store or in #arrays
   * follows from the size.
   */
  #slots = NO_SLOTS;
  #first = 0;
  #length = 0;
  /** Payloads of small messages, back to back, live between #storeHead and #storeTail. */
  #store = EMPTY_STORE;
  #storeHead = 0;
  #storeTail = 0;
  /** Large payloads, in order (one for each message of SMALL_PAYLOAD_BYTES or more); null until the first. */
  #arrays: Uint8Array[] | null = null;
  #arraysHead = 0;

  get length(): number {
    return this.#length;
  }

  push(data: Uint8Array, isText: boolean): void {
    if (this.#length === this.#slots.length) this.#growSlots();
    const size = data.byteLength;
    this.#slots[(this.#first + this.#length) & (this.#slots.length - 1)] = isText ? -size - 1 : size;
    if (size < SMALL_PAYLOAD_BYTES) {
      this.#reserve(size);
      this.#store.set(data, this.#storeTail);
      this.#storeTail += size;
    } else {
      (this.#arrays ??= []).push(data);
    }
    this.#length++;
  }

  /** Payload bytes of the message `index` places from the front. */
  sizeAt(index: number): number {
    const slot = this.#slots[(this.#first + index) & (this.#slots.length - 1)]!;
    return slot < 0 ? -slot - 1 : slot;
  }

  shift(): Packet | undefined {
    if (this.#length === 0) return undefined;
    const slot = this.#slots[this.#first]!;
    const isText = slot < 0;
    const size = isText ? -slot - 1 : slot;
    this.#first = (this.#first + 1) & (this.#slots.length - 1);
    this.#length--;
    let data: Uint8Array;
    if (size >= SMALL_PAYLOAD_BYTES) {
      const arrays = this.#arrays!;
      data = arrays[this.#arraysHead]!;
      arrays[this.#arraysHead++] = EMPTY_STORE;
      // Drop taken entries once they are half the array (amortised O(1)).
      if (this.#arraysHead * 2 >= arrays.length) {
        this.#arrays = this.#arraysHead === arrays.length ? null : arrays.slice(this.#arraysHead);
        this.#arraysHead = 0;
      }
    } else {
      data = this.#store.slice(this.#storeHead, this.#storeHead + size); // the reader owns its copy
      this.#storeHead += size;
    }
    if (this.#length === 0) this.#emptied();
    return createPacket(data, isText);
  }

  clear(): void {
    this.#slots = NO_SLOTS;
    this.#first = 0;
    this.#length = 0;
    this.#store = EMPTY_STORE;
    this.#storeHead = 0;
    this.#storeTail = 0;
    this.#arrays = null;
    this.#arraysHead = 0;
  }

  #emptied(): void {
    this.#storeHead = 0;
    this.#storeTail = 0;
    if (this.#store.length > KEEP_STORE_BYTES) this.#store = EMPTY_STORE;
    if (this.#slots.length > INITIAL_SLOTS * 64) {
      this.#slots = NO_SLOTS;
      this.#first = 0;
    }
  }

  /** Room for `bytes` more at the tail: compact when half the store is already read, else grow. */
  #reserve(bytes: number): void {
    if (this.#storeTail + bytes <= this.#store.length) return;
    const live = this.#storeTail - this.#storeHead;
    if (live + bytes <= this.#store.length / 2) {
      this.#store.copyWithin(0, this.#storeHead, this.#storeTail);
    } else {
      let capacity = Math.max(INITIAL_STORE_BYTES, this.#store.length * 2);
      while (capacity < live + bytes) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.#store.subarray(this.#storeHead, this.#storeTail));
      this.#store = next;
    }
    this.#storeHead = 0;
    this.#storeTail = live;
  }

  #growSlots(): void {
    const old = this.#slots;
    const slots = new Float64Array(Math.max(INITIAL_SLOTS, old.length * 2));
    for (let i = 0; i < this.#length; i++) slots[i] = old[(this.#first + i) & (old.length - 1)]!;
    this.#slots = slots;
    this.#first = 0;
  }
}
