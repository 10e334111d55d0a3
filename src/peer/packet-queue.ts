import { createPacket, type Packet } from './packet.js';

/**
 * Payloads below this many bytes are copied into one shared byte store instead of being
 * kept as their own Uint8Array: a typed array and a packet object cost ~150 bytes of heap
 * each, several times a small message's payload. From this size on the overhead is small
 * beside the payload, and the copy would cost more than it saves.
 */
export const SMALL_PAYLOAD_BYTES = 1024;
/**
 * While fewer messages than this wait, each is kept as the transport handed it over (its
 * bytes belong to the peer: see TransportSink.onMessage), with no copy in and none out. A
 * peer that is read as fast as messages arrive (a driver draining every poll) never gets
 * past this, so its messages are never copied; one whose reader falls behind keeps the
 * rest of a backlog at payload + 5 bytes a message, as below.
 */
export const KEPT_AS_HANDED_OVER = 64;

const TEXT = 1;
const OWN_ARRAY = 2;
const INITIAL_SLOTS = 4;
const INITIAL_STORE_BYTES = 256;
/** An empty store larger than this is released, so idle connections hold none. */
const KEEP_STORE_BYTES = 4096;

const EMPTY_STORE = new Uint8Array(0);
/** Taken entries at the head of #arrays are reclaimed from this many on (fewer are not worth a move). */
const COMPACT_ARRAYS_AT = 32;
/** An empty queue keeps its #arrays up to this length (a drained burst), else lets it go. */
const KEEP_ARRAYS = 256;

/**
 * The received messages of one peer, in order. The first {@link KEPT_AS_HANDED_OVER}
 * waiting are kept as handed over; past them a small message costs its payload plus 5
 * bytes, a large one its own Uint8Array. Packet objects are made only when a message is
 * taken. Limits count payload bytes, so memory follows them.
 */
export class PacketQueue {
  /** Payload size and flags of each message, on a ring of `#sizes.length` slots. */
  #sizes = new Int32Array(INITIAL_SLOTS);
  #flags = new Uint8Array(INITIAL_SLOTS);
  #first = 0;
  #length = 0;
  /** Payloads of small messages, back to back, live between #storeHead and #storeTail. */
  #store = EMPTY_STORE;
  #storeHead = 0;
  #storeTail = 0;
  /** Payloads kept as handed over, in order (each message flagged OWN_ARRAY has one here), between #arraysHead and #arraysTail. */
  #arrays: Uint8Array[] = [];
  #arraysHead = 0;
  #arraysTail = 0;

  get length(): number {
    return this.#length;
  }

  push(data: Uint8Array, isText: boolean): void {
    if (this.#length === this.#sizes.length) this.#growSlots();
    const slot = (this.#first + this.#length) & (this.#sizes.length - 1);
    const small = data.byteLength < SMALL_PAYLOAD_BYTES && this.#length >= KEPT_AS_HANDED_OVER;
    this.#sizes[slot] = data.byteLength;
    this.#flags[slot] = (isText ? TEXT : 0) | (small ? 0 : OWN_ARRAY);
    if (small) {
      this.#reserve(data.byteLength);
      this.#store.set(data, this.#storeTail);
      this.#storeTail += data.byteLength;
    } else {
      this.#arrays[this.#arraysTail++] = data;
    }
    this.#length++;
  }

  /** Payload bytes of the message `index` places from the front. */
  sizeAt(index: number): number {
    return this.#sizes[(this.#first + index) & (this.#sizes.length - 1)]!;
  }

  shift(): Packet | undefined {
    if (this.#length === 0) return undefined;
    const slot = this.#first;
    const size = this.#sizes[slot]!;
    const flags = this.#flags[slot]!;
    this.#first = (slot + 1) & (this.#sizes.length - 1);
    this.#length--;
    let data: Uint8Array;
    if ((flags & OWN_ARRAY) !== 0) {
      data = this.#arrays[this.#arraysHead]!;
      this.#arrays[this.#arraysHead++] = EMPTY_STORE;
      if (this.#arraysHead === this.#arraysTail) {
        this.#arraysHead = this.#arraysTail = 0; // all taken: the array is reused as it is
      } else if (this.#arraysHead >= COMPACT_ARRAYS_AT && this.#arraysHead * 2 >= this.#arraysTail) {
        // Move the live entries down once the taken ones are half (amortised O(1)).
        this.#arrays.copyWithin(0, this.#arraysHead, this.#arraysTail);
        this.#arrays.fill(EMPTY_STORE, this.#arraysTail - this.#arraysHead, this.#arraysTail);
        this.#arraysTail -= this.#arraysHead;
        this.#arraysHead = 0;
      }
    } else {
      data = this.#store.slice(this.#storeHead, this.#storeHead + size); // the reader owns its copy
      this.#storeHead += size;
    }
    if (this.#length === 0) this.#emptied();
    return createPacket(data, (flags & TEXT) !== 0);
  }

  clear(): void {
    this.#sizes = new Int32Array(INITIAL_SLOTS);
    this.#flags = new Uint8Array(INITIAL_SLOTS);
    this.#first = 0;
    this.#length = 0;
    this.#store = EMPTY_STORE;
    this.#storeHead = 0;
    this.#storeTail = 0;
    this.#arrays = [];
    this.#arraysHead = 0;
    this.#arraysTail = 0;
  }

  #emptied(): void {
    this.#storeHead = 0;
    this.#storeTail = 0;
    if (this.#store.length > KEEP_STORE_BYTES) this.#store = EMPTY_STORE;
    if (this.#arrays.length > KEEP_ARRAYS) this.#arrays = [];
    if (this.#sizes.length > INITIAL_SLOTS * 64) {
      this.#sizes = new Int32Array(INITIAL_SLOTS);
      this.#flags = new Uint8Array(INITIAL_SLOTS);
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
    const capacity = this.#sizes.length * 2;
    const sizes = new Int32Array(capacity);
    const flags = new Uint8Array(capacity);
    for (let i = 0; i < this.#length; i++) {
      const from = (this.#first + i) & (this.#sizes.length - 1);
      sizes[i] = this.#sizes[from]!;
      flags[i] = this.#flags[from]!;
    }
    this.#sizes = sizes;
    this.#flags = flags;
    this.#first = 0;
  }
}

