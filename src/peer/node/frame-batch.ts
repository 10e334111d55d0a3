// WebSocket frames (RFC 6455 §5.2) written into shared chunks, so that every message sent
// during one poll() reaches the socket in one write: one system call and no per-message
// objects, where ws frames and writes each message on its own. A message costs its frame
// bytes (payload + 2 to 14) while it waits, copied at send() time, so the caller may reuse
// its buffer at once (as Godot's put_packet copies). One chunk is shared by every batch of
// the process (each batch holds the ranges it wrote), so a connection that sent once keeps
// no chunk of its own afterwards. A batch whose range another batch cut (batches appending
// in turn: a broadcast) goes on in a private chunk, twice what it holds, so that it still
// makes a few ranges, not one per message.
import { randomFillSync } from 'node:crypto';

/** The shared chunk's size, and the most a private one grows to; a larger frame gets a buffer of its own size. */
const CHUNK_BYTES = 16 * 1024;
/** The smallest private chunk (see the top of the file). */
const PRIVATE_CHUNK_BYTES = 256;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const FIN = 0x80;
const MASKED = 0x80;
/** Mask keys are drawn from a pool refilled in one call (as ws does). */
const MASK_POOL_BYTES = 8 * 1024;

let maskPool: Buffer | null = null;
let maskPointer = MASK_POOL_BYTES;

/**
 * The chunk every batch appends to, and how much of it is taken. Bytes once appended are
 * never written over (a new chunk follows when this one is full), so the ranges batches
 * hold stay theirs until the socket has written them.
 */
let shared: Buffer | null = null;
let sharedUsed = 0;

/** The size of a frame's header for `length` payload bytes. */
export function headerSize(length: number, masked: boolean): number {
  const base = length < 126 ? 2 : length < 65536 ? 4 : 10;
  return masked ? base + 4 : base;
}

export class FrameBatch {
  /** Client frames are masked (RFC 6455 §5.3); a server's are not. */
  readonly #masked: boolean;
  /** Ranges written so far and closed, in order. */
  readonly #chunks: Buffer[] = [];
  /** The chunk this batch's open range is in (null: none open), whether it is the batch's own, and the range. */
  #chunk: Buffer | null = null;
  #private = false;
  #start = 0;
  #end = 0;
  #payloadBytes = 0;
  #count = 0;

  constructor(masked: boolean) {
    this.#masked = masked;
  }

  /** Messages waiting in the batch. */
  get count(): number {
    return this.#count;
  }

  /** Their payload bytes (headers not counted). */
  get payloadBytes(): number {
    return this.#payloadBytes;
  }

  /** Appends one whole message as a single frame. */
  append(data: Uint8Array, isText: boolean): void {
    const length = data.byteLength;
    const size = headerSize(length, this.#masked) + length;
    let chunk: Buffer;
    let at: number;
    if (size > CHUNK_BYTES) {
      this.#closeRange();
      chunk = Buffer.allocUnsafe(size);
      this.#chunks.push(chunk);
      at = 0;
    } else if (this.#chunk === null) {
      // A first range, in the shared chunk.
      if (shared === null || shared.length - sharedUsed < size) {
        shared = Buffer.allocUnsafe(CHUNK_BYTES);
        sharedUsed = 0;
      }
      chunk = this.#chunk = shared;
      at = this.#start = sharedUsed;
      this.#private = false;
      this.#end = sharedUsed += size;
    } else if (this.#private ? this.#chunk.length - this.#end >= size : this.#chunk === shared && this.#end === sharedUsed && shared.length - sharedUsed >= size) {
      // Frames appended one after the other (the usual case: one connection's poll) make one range.
      chunk = this.#chunk;
      at = this.#end;
      this.#end += size;
      if (!this.#private) sharedUsed = this.#end;
    } else {
      // Another batch appended since (or the chunk is full): go on in a chunk of this batch's own.
      const room = Math.min(CHUNK_BYTES, Math.max(PRIVATE_CHUNK_BYTES, 2 * (this.#end - this.#start + size)));
      this.#closeRange();
      chunk = this.#chunk = Buffer.allocUnsafe(room);
      this.#private = true;
      at = this.#start = 0;
      this.#end = size;
    }
    chunk[at++] = FIN | (isText ? OPCODE_TEXT : OPCODE_BINARY);
    const maskBit = this.#masked ? MASKED : 0;
    if (length < 126) {
      chunk[at++] = maskBit | length;
    } else if (length < 65536) {
      chunk[at++] = maskBit | 126;
      chunk.writeUInt16BE(length, at);
      at += 2;
    } else {
      chunk[at++] = maskBit | 127;
      chunk.writeUInt32BE(Math.floor(length / 0x100000000), at);
      chunk.writeUInt32BE(length >>> 0, at + 4);
      at += 8;
    }
    if (this.#masked) {
      const keyAt = at;
      writeMaskKey(chunk, keyAt);
      at += 4;
      if (length < WORD_MASK_FROM) {
        for (let i = 0; i < length; i++) chunk[at + i] = data[i]! ^ chunk[keyAt + (i & 3)]!;
      } else {
        chunk.set(data, at);
        maskInPlace(chunk, at, length, keyAt);
      }
    } else {
      chunk.set(data, at);
    }
    this.#payloadBytes += length;
    this.#count++;
  }

  /** Everything appended so far, as buffers to write in order; the batch is empty afterwards. */
  take(): Buffer[] {
    this.#closeRange();
    const chunks = this.#chunks.splice(0);
    this.#payloadBytes = 0;
    this.#count = 0;
    return chunks;
  }

  #closeRange(): void {
    if (this.#chunk === null) return;
    this.#chunks.push(this.#chunk.subarray(this.#start, this.#end));
    this.#chunk = null;
  }
}

/** From this payload size on, masking goes four bytes at a time (below, the set-up costs more than it saves). */
const WORD_MASK_FROM = 64;
/** The mask key as one 32-bit word, in the platform's byte order. */
const maskBytes = new Uint8Array(4);
const maskWord = new Uint32Array(maskBytes.buffer);

/**
 * XORs `length` bytes at `target[at]` with the key at `target[keyAt]` (payload byte i with
 * key byte i & 3): byte by byte up to a 4-byte boundary, then a 32-bit word at a time,
 * then the tail. A 64 KiB payload masked byte by byte costs ~10× as much.
 */
function maskInPlace(target: Buffer, at: number, length: number, keyAt: number): void {
  const absolute = target.byteOffset + at;
  const head = Math.min(length, (4 - (absolute & 3)) & 3);
  let i = 0;
  for (; i < head; i++) target[at + i] ^= target[keyAt + (i & 3)]!;
  const words = (length - head) >>> 2;
  if (words > 0) {
    // The key rotated to start at payload byte `head`, in memory order.
    for (let k = 0; k < 4; k++) maskBytes[k] = target[keyAt + ((head + k) & 3)]!;
    const key = maskWord[0]!;
    const view = new Uint32Array(target.buffer, absolute + head, words);
    for (let w = 0; w < words; w++) view[w]! ^= key;
    i = head + words * 4;
  }
  for (; i < length; i++) target[at + i] ^= target[keyAt + (i & 3)]!;
}

/** Four random bytes at `target[at]`. */
function writeMaskKey(target: Buffer, at: number): void {
  if (maskPointer === MASK_POOL_BYTES) {
    maskPool ??= Buffer.allocUnsafe(MASK_POOL_BYTES);
    randomFillSync(maskPool);
    maskPointer = 0;
  }
  const pool = maskPool!;
  target[at] = pool[maskPointer]!;
  target[at + 1] = pool[maskPointer + 1]!;
  target[at + 2] = pool[maskPointer + 2]!;
  target[at + 3] = pool[maskPointer + 3]!;
  maskPointer += 4;
}

/**
 * The messages in frames written by a FrameBatch (whole, unfragmented text or binary
 * frames, masked or not), in order: what a connection that dropped had not written yet.
 */
export function readFrames(chunks: readonly Uint8Array[]): { data: Uint8Array; isText: boolean }[] {
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const messages: { data: Uint8Array; isText: boolean }[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const isText = (bytes[at]! & 0x0f) === OPCODE_TEXT;
    const masked = (bytes[at + 1]! & MASKED) !== 0;
    let length = bytes[at + 1]! & 0x7f;
    at += 2;
    if (length === 126) {
      length = (bytes[at]! << 8) | bytes[at + 1]!;
      at += 2;
    } else if (length === 127) {
      length = Number(Buffer.from(bytes.buffer, bytes.byteOffset + at, 8).readBigUInt64BE());
      at += 8;
    }
    const mask = masked ? bytes.subarray(at, at + 4) : null;
    if (masked) at += 4;
    const data = new Uint8Array(bytes.subarray(at, at + length)); // a copy: a Buffer's slice() would be a view keeping the chunk
    if (mask !== null) for (let i = 0; i < data.length; i++) data[i]! ^= mask[i & 3]!;
    messages.push({ data, isText });
    at += length;
  }
  return messages;
}
