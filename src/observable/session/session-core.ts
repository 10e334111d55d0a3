// The transport-independent heart of a session: numbering, acknowledgements, the bounded
// buffer of what the other side has not acknowledged yet, and replay after a reconnect.
// It knows nothing of sockets: frames go to a sink (the current connection, or none while
// disconnected) and come in through receive(); time comes from an injected scheduler.
import type { SchedulerLike, Subscription } from 'rxjs';
import { ErrorCode } from '../../peer/constants.js';
import { createPacket, type Packet } from '../../peer/packet.js';
import { Queue } from '../../peer/queue.js';
import { isUtf8 } from '../../peer/utf8.js';
import { dataPayloadOffset, decodeFrame, encodeAck, encodeData, FrameKind, isTextData } from './wire.js';

export interface SessionLimits {
  /** How long a dropped session waits for its reconnect, ms. */
  windowMs: number;
  /** Most payload bytes kept for replay (sent, not acknowledged yet). */
  maxBufferedBytes: number;
  /** An acknowledgement that found no message to ride on goes alone after this many ms. */
  ackDelayMs: number;
}

/** Acknowledge at once after this many unacknowledged messages, so a one-way flood frees the sender's buffer as it goes. */
const ACK_EVERY = 64;

/** Writes one frame to the current connection: OK, or anything else when that connection is gone. */
export type FrameSink = (frame: Uint8Array) => ErrorCode;

/** What send() did: OK (sent or kept for the reconnect), ERR_OUT_OF_MEMORY (refused, connected), or 'overflow' (disconnected and full). */
export type SendOutcome = ErrorCode | 'overflow';

export class SessionCore {
  readonly #limits: SessionLimits;
  readonly #scheduler: SchedulerLike;
  readonly #deliver: (packet: Packet) => void;
  /**
   * DATA frames sent and not acknowledged, oldest first. Each is encoded once and replayed
   * as it is (a stale acknowledgement riding in it is ignored by the receiver).
   */
  readonly #buffer = new Queue<Uint8Array>();
  /** Sequence number of the oldest buffered message. */
  #base = 1;
  #nextSeq = 1;
  #bufferedBytes = 0;
  /** The last message received in order from the other side. */
  #received = 0;
  /** The last `#received` the other side was told. */
  #acknowledged = 0;
  #sink: FrameSink | null = null;
  #ackTimer: Subscription | null = null;
  /** Out-parameter of dataPayloadOffset, reused so receiving allocates nothing of its own. */
  readonly #ack = { value: -1 };
  readonly #scratch = { value: -1 };

  constructor(limits: SessionLimits, scheduler: SchedulerLike, deliver: (packet: Packet) => void) {
    this.#limits = limits;
    this.#scheduler = scheduler;
    this.#deliver = deliver;
  }

  get received(): number {
    return this.#received;
  }

  get sent(): number {
    return this.#nextSeq - 1;
  }

  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  get bufferedCount(): number {
    return this.#buffer.length;
  }

  get connected(): boolean {
    return this.#sink !== null;
  }

  send(payload: Uint8Array, isString: boolean): SendOutcome {
    const bytes = payload.byteLength;
    if (this.#bufferedBytes + bytes > this.#limits.maxBufferedBytes) {
      // Connected, the other side is alive and its acknowledgements will make room: push back.
      // Disconnected, nothing will: the session can no longer keep its promise.
      return this.#sink !== null ? ErrorCode.ERR_OUT_OF_MEMORY : 'overflow';
    }
    const ack = this.#received > this.#acknowledged ? this.#received : -1;
    const frame = encodeData(payload, isString, ack);
    this.#buffer.push(frame);
    this.#nextSeq++;
    this.#bufferedBytes += bytes;
    if (this.#sink !== null) {
      if (this.#sink(frame) !== ErrorCode.OK) this.#sink = null; // gone: kept for the replay
      else if (ack >= 0) this.#acknowledged = ack;
    }
    return ErrorCode.OK;
  }

  /** One frame from the current connection. Returns why the session must end, or null. */
  receive(frame: Uint8Array): string | null {
    const offset = dataPayloadOffset(frame, this.#ack);
    if (offset < 0) {
      const decoded = decodeFrame(frame);
      if (decoded === null) return 'malformed session frame';
      if (decoded.kind === FrameKind.ACK) return this.#acknowledge(decoded.received);
      return `unexpected session frame ${FrameKind[decoded.kind]} on an established session`;
    }
    if (this.#ack.value >= 0) {
      const problem = this.#acknowledge(this.#ack.value);
      if (problem !== null) return problem;
    }
    const payload = frame.subarray(offset);
    const isString = isTextData(frame);
    if (isString && !isUtf8(payload)) return 'text message with invalid UTF-8';
    this.#received++;
    if (this.#received - this.#acknowledged >= ACK_EVERY) this.#sendAck();
    else this.#ackTimer ??= this.#scheduler.schedule(() => {
      this.#ackTimer = null;
      this.#sendAck();
    }, this.#limits.ackDelayMs);
    this.#deliver(createPacket(payload, isString));
    return null;
  }

  /**
   * A connection is up again and the other side said it has every message up to
   * `peerReceived` (which also told it our `received`): replay what it lacks, in order.
   * Returns why the session cannot continue, or null.
   */
  attach(sink: FrameSink, peerReceived: number): string | null {
    if (peerReceived < this.#base - 1 || peerReceived > this.#nextSeq - 1) {
      return `the other side reports message ${peerReceived}, but this side sent ${this.#nextSeq - 1} and still holds ${this.#base} onwards`;
    }
    this.#acknowledge(peerReceived);
    this.#acknowledged = this.#received;
    this.#sink = sink;
    for (let i = 0; i < this.#buffer.length && this.#sink !== null; i++) {
      if (sink(this.#buffer.at(i)!) !== ErrorCode.OK) this.#sink = null;
    }
    return null;
  }

  /** The connection dropped: keep everything for the next one. */
  detach(): void {
    this.#sink = null;
    this.#ackTimer?.unsubscribe();
    this.#ackTimer = null;
  }

  /** The session ended: let go of the buffer. */
  dispose(): void {
    this.detach();
    this.#buffer.clear();
    this.#bufferedBytes = 0;
  }

  #acknowledge(received: number): string | null {
    if (received > this.#nextSeq - 1) return `acknowledgement of message ${received}, but only ${this.#nextSeq - 1} were sent`;
    while (this.#base <= received) {
      const frame = this.#buffer.shift()!;
      this.#bufferedBytes -= frame.byteLength - dataPayloadOffset(frame, this.#scratch);
      this.#base++;
    }
    return null;
  }

  #sendAck(): void {
    if (this.#sink === null || this.#received === this.#acknowledged) return;
    if (this.#sink(encodeAck(this.#received)) === ErrorCode.OK) this.#acknowledged = this.#received;
    else this.#sink = null;
  }
}
