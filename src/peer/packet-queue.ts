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
 * rest of a backlog at payload + 4 bytes a small message, as below.
 */
export const KEPT_AS_HANDED_OVER = 64;

/**
 * A payload kept as handed over must not keep a much larger buffer alive: ws hands over
 * views of the socket read (64 KiB in Node), and a reader that keeps a 16-byte packet would
 * keep the whole read. Beyond this slack (4 × its size + 256 bytes), a payload is copied
 * into a buffer of its own size first.
 */
function ownedPayload(data: Uint8Array): Uint8Array {
  return data.buffer.byteLength > 4 * data.byteLength + 256 ? new Uint8Array(data) : data;
}

/** Slot flags: a text message; its payload is in #arrays (kept as handed over, or large). */
const TEXT = 1;
const IN_ARRAYS = 2;
/**
 * A slot is size << 2 | flags, a non-negative 32-bit integer. The largest size a slot
 * holds is 2^29 - 1 (SIZE_FROM_PAYLOAD): a payload of this size or more (always in
 * #arrays) has this in its slot, and its size is read from the payload itself. Slots are
 * an Int32Array, encoded and decoded with integer operations (<< 2, & 3, >>> 2): a
 * Float64Array ring decoded with % and / halved the
 * echo rate of a poll loop over TCPServer + acceptStream (~90k instead of ~200k 16 B
 * messages/s in bench part 3), bimodally, while listen() was not affected; a Uint32Array
 * ring (same decoding) did not reliably recover it either.
 */
const SIZE_FROM_PAYLOAD = 2 ** 29 - 1;

const INITIAL_SLOTS = 4;
const INITIAL_STORE_BYTES = 256;
/** An empty store larger than this is released, so idle connections hold none. */
const KEEP_STORE_BYTES = 4096;

const EMPTY_STORE = new Uint8Array(0);
/** Taken entries at the head of #arrays are reclaimed from this many on (fewer are not worth a move). */
const COMPACT_ARRAYS_AT = 32;
/** A queue that never received anything holds no ring at all. */
const NO_SLOTS = new Int32Array(0);

/**
 * The received messages of one peer, in order. The first {@link KEPT_AS_HANDED_OVER}
 * waiting are kept as handed over; past them a small message costs its payload plus 4
 * bytes, a large one its own Uint8Array. Packet objects are made only when a message is
 * taken, and nothing is allocated before the first message (most of the memory of many
 * idle connections is what each one holds while empty). Limits count payload bytes, and no
 * payload keeps a buffer of more than 4 × its size + 256 bytes, so memory follows them.
 */
export class PacketQueue {
  /**
   * One slot per message on a ring of `#slots.length` (a power of two): its payload size
   * (at most SIZE_FROM_PAYLOAD) shifted left by 2, plus TEXT and IN_ARRAYS (else the payload
   * is in the store).
   */
  #slots = NO_SLOTS;
  #first = 0;
  #length = 0;
  /** Payloads of small messages, back to back, live between #storeHead and #storeTail. */
  #store = EMPTY_STORE;
  #storeHead = 0;
  #storeTail = 0;
  /** Payloads of the messages flagged IN_ARRAYS, in order, between #arraysHead and #arraysTail; null until the first. */
  #arrays: Uint8Array[] | null = null;
  #arraysHead = 0;
  #arraysTail = 0;

  get length(): number {
    return this.#length;
  }

  push(data: Uint8Array, isText: boolean): void {
    if (this.#length === this.#slots.length) this.#growSlots();
    const size = data.byteLength;
    const inArrays = size >= SMALL_PAYLOAD_BYTES || this.#length < KEPT_AS_HANDED_OVER;
    this.#slots[(this.#first + this.#length) & (this.#slots.length - 1)] =
      ((size < SIZE_FROM_PAYLOAD ? size : SIZE_FROM_PAYLOAD) << 2) | (isText ? TEXT : 0) | (inArrays ? IN_ARRAYS : 0);
    if (inArrays) {
      (this.#arrays ??= [])[this.#arraysTail++] = ownedPayload(data);
    } else {
      this.#reserve(size);
      this.#store.set(data, this.#storeTail);
      this.#storeTail += size;
    }
    this.#length++;
  }

  /** Payload bytes of the message `index` places from the front. */
  sizeAt(index: number): number {
    const size = this.#slots[(this.#first + index) & (this.#slots.length - 1)]! >>> 2;
    return size === SIZE_FROM_PAYLOAD ? this.#hugeSize(index) : size;
  }

  shift(): Packet | undefined {
    if (this.#length === 0) return undefined;
    const slot = this.#slots[this.#first]!;
    const flags = slot & 3;
    const size = slot >>> 2; // in the store, a small payload's own size
    this.#first = (this.#first + 1) & (this.#slots.length - 1);
    this.#length--;
    let data: Uint8Array;
    if ((flags & IN_ARRAYS) !== 0) {
      const arrays = this.#arrays!;
      data = arrays[this.#arraysHead]!;
      arrays[this.#arraysHead++] = EMPTY_STORE;
      if (this.#arraysHead === this.#arraysTail) {
        this.#arraysHead = this.#arraysTail = 0; // all taken: the array is reused as it is
      } else if (this.#arraysHead >= COMPACT_ARRAYS_AT && this.#arraysHead * 2 >= this.#arraysTail) {
        // Move the live entries down once the taken ones are half (amortised O(1)).
        arrays.copyWithin(0, this.#arraysHead, this.#arraysTail);
        arrays.fill(EMPTY_STORE, this.#arraysTail - this.#arraysHead, this.#arraysTail);
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
    this.#slots = NO_SLOTS;
    this.#first = 0;
    this.#length = 0;
    this.#store = EMPTY_STORE;
    this.#storeHead = 0;
    this.#storeTail = 0;
    this.#arrays = null;
    this.#arraysHead = 0;
    this.#arraysTail = 0;
  }

  #emptied(): void {
    this.#storeHead = 0;
    this.#storeTail = 0;
    if (this.#store.length > KEEP_STORE_BYTES) this.#store = EMPTY_STORE;
    this.#arrays = null; // an idle connection holds none
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

  /** The size of the payload of at least SIZE_FROM_PAYLOAD bytes `index` places from the front (in #arrays). */
  #hugeSize(index: number): number {
    let inArrays = 0;
    for (let i = 0; i < index; i++) if ((this.#slots[(this.#first + i) & (this.#slots.length - 1)]! & IN_ARRAYS) !== 0) inArrays++;
    return this.#arrays![this.#arraysHead + inArrays]!.byteLength;
  }

  #growSlots(): void {
    const old = this.#slots;
    const slots = new Int32Array(Math.max(INITIAL_SLOTS, old.length * 2));
    for (let i = 0; i < this.#length; i++) slots[i] = old[(this.#first + i) & (old.length - 1)]!;
    this.#slots = slots;
    this.#first = 0;
  }
}
