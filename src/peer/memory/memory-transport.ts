import { CLOSE_CODE_ABNORMAL, ErrorCode } from '../constants.js';
import { kAttachTransport } from '../internal.js';
import type { Transport, TransportSink } from '../transport.js';
import { WebSocketPeer } from '../websocket-peer.js';

/**
 * One end of an in-memory connection. Delivery is synchronous into the other end's sink,
 * so what one peer sends is visible to the other after the other's next poll(). The
 * close answer is sent by the answering peer inside its poll(), as over a real socket.
 */
export class MemoryEnd implements Transport {
  other: MemoryEnd | null = null;
  #sink: TransportSink | null = null;
  #closeSent = false;
  #gone = false;
  /** When false the end stops answering pings, as a remote whose cable was pulled. */
  answersPings = true;

  readonly bufferedAmount = 0;
  readonly bufferedCount = 0;

  /** Binds the peer's sink; with `open = false` the handshake completes only at `open()`. */
  attach(sink: TransportSink, open = true): this {
    this.#sink = sink;
    if (open) this.open();
    return this;
  }

  /** Reports the handshake as complete (a connection that waited for its server to accept it). */
  open(): void {
    this.#sink?.onOpen({ protocol: '', remoteAddress: 'memory', remotePort: 0 });
  }

  /** Whether this end was dropped (terminate(), or the other end's). */
  get gone(): boolean {
    return this.#gone;
  }

  send(data: Uint8Array, isText: boolean): boolean {
    if (this.#closeSent || this.#gone) return false;
    // A copy, as a socket would make: the sender may reuse its buffer.
    const other = this.other;
    if (other !== null) other.#sink?.onMessage(data.slice(), isText);
    return true;
  }

  close(code: number, reason: string): void {
    if (this.#closeSent || this.#gone) return;
    this.#closeSent = true;
    if (this.other !== null) this.other.#deliverClose(code, reason);
  }

  terminate(): void {
    if (this.#gone) return;
    this.#gone = true;
    if (this.other !== null) this.other.#deliverClose(CLOSE_CODE_ABNORMAL, '', 'the remote dropped the connection without a close frame');
  }

  ping(): boolean {
    const other = this.other;
    if (other !== null && !other.#gone && other.answersPings) this.#sink?.onPong();
    return true;
  }

  pauseReading(): void {}
  resumeReading(): void {}
  setNoDelay(): void {}

  #deliverClose(code: number, reason: string, cause = ''): void {
    const sink = this.#sink;
    if (code === CLOSE_CODE_ABNORMAL) this.#gone = true;
    if (sink === null) return;
    if (code === CLOSE_CODE_ABNORMAL || this.#closeSent) this.#sink = null;
    sink.onClose(code, reason, false, cause);
  }
}

/** Joins two fresh (or CLOSED) peers in memory. Both are CONNECTING until their first poll(). */
export function joinInMemory(a: WebSocketPeer, b: WebSocketPeer, url = 'ws://memory/'): [MemoryEnd, MemoryEnd] {
  const endA = new MemoryEnd();
  const endB = new MemoryEnd();
  endA.other = endB;
  endB.other = endA;
  const errA = a[kAttachTransport]({ requestedUrl: url, open: (sink) => endA.attach(sink) });
  const errB = b[kAttachTransport]({ requestedUrl: url, open: (sink) => endB.attach(sink) });
  if (errA !== ErrorCode.OK || errB !== ErrorCode.OK) {
    throw new Error(`joinInMemory: peers must not be in use (got ${ErrorCode[errA]}, ${ErrorCode[errB]})`);
  }
  return [endA, endB];
}

/** Makes `peer` CONNECTING over a connection that fails: CLOSED with -1 at its first poll(). */
export function refuseInMemory(peer: WebSocketPeer, url = 'ws://memory/'): void {
  const end = new MemoryEnd();
  const error = peer[kAttachTransport]({
    requestedUrl: url,
    open: (sink) => {
      sink.onClose(CLOSE_CODE_ABNORMAL, '', false, `connection to ${url} refused`);
      return end;
    },
  });
  if (error !== ErrorCode.OK) throw new Error(`refuseInMemory: peer must not be in use (got ${ErrorCode[error]})`);
}
