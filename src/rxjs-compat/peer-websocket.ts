// The socket webSocket() uses when no WebSocketCtor is given: the browser's WebSocket
// interface over rxpeer's WebSocketPeer, so one WebSocketSubject serves both paths. The
// peer runs on the platform's transport (ws in Node, the page's WebSocket in browsers) and
// fromPeer drives its poll() on demand; the events come out as a browser dispatches them.
import type { Subscription } from 'rxjs';
import { ErrorCode, State, WriteMode } from '../peer/constants.js';
import type { Packet } from '../peer/packet.js';
import { normalizeProtocols } from '../peer/validation.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import type { CloseInfo } from '../observable/errors.js';
import { fromPeer } from '../observable/observable-peer.js';
import type { SocketLike, WebSocketMessage } from './config.js';
import { createCloseEvent, createErrorEvent, createMessageEvent, createOpenEvent } from './events.js';

/** A browser sets no limit; ws's default (100 MiB) keeps one message from taking all memory. */
const MAX_MESSAGE_BYTES = 100 * 1024 * 1024;
/** Received messages are taken at every poll, so this only bounds a pathological burst. */
const MAX_QUEUED_MESSAGES = 1 << 20;
/** What a browser reports when no close frame arrived. */
const CLOSE_CODE_NO_FRAME = 1006;
/** Godot's and rxpeer's code for the same. */
const CLOSE_CODE_ABNORMAL = -1;
const MAX_REASON_BYTES = 123;

type Handler<E extends Event> = ((event: E) => void) | null;

export class PeerWebSocket extends EventTarget implements SocketLike {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readonly url: string;
  readonly extensions = '';
  binaryType: 'blob' | 'arraybuffer' = 'blob';
  onopen: Handler<Event> = null;
  onmessage: Handler<MessageEvent> = null;
  onerror: Handler<Event> = null;
  onclose: Handler<CloseEvent> = null;

  readonly #peer: WebSocketPeer;
  readonly #subscriptions: Subscription[] = [];
  #readyState: number = PeerWebSocket.CONNECTING;
  #protocol = '';
  #opened = false;
  /** Messages waiting behind a Blob being read, so they leave in the order given. */
  #outbox: (Uint8Array | string | Blob)[] = [];
  /** Inside close(): events the peer raises at once are dispatched afterwards, as a browser does. */
  #inCall = false;
  #deferred: Event[] = [];

  /** Throws a SyntaxError DOMException for a URL or subprotocol list a browser would refuse. */
  constructor(url: string | URL, protocols: string | string[] = []) {
    super();
    const href = String(url);
    const offered = typeof protocols === 'string' ? [protocols] : Array.from(protocols, String);
    if (normalizeProtocols(offered) === null || offered.some((p) => p !== p.trim())) {
      throw new DOMException(`Failed to construct 'WebSocket': invalid subprotocol list ${JSON.stringify(offered)}`, 'SyntaxError');
    }
    const peer = new WebSocketPeer();
    peer.supportedProtocols = offered;
    peer.inboundBufferSize = MAX_MESSAGE_BYTES;
    peer.outboundBufferSize = 0; // a browser buffers without limit; bufferedAmount shows how much
    peer.maxQueuedPackets = MAX_QUEUED_MESSAGES;
    if (peer.connectToUrl(href) !== ErrorCode.OK) {
      throw new DOMException(`Failed to construct 'WebSocket': the URL '${href}' is invalid (ws:// or wss:// expected)`, 'SyntaxError');
    }
    this.#peer = peer;
    this.url = new URL(href).href;
    const socket = fromPeer(peer);
    this.#subscriptions.push(
      socket.state$.subscribe((state) => this.#stateChanged(state)),
      // An unclean close is told by close$; packets$ only ends.
      socket.packets$.subscribe({ next: (packet) => this.#received(packet), error: () => {} }),
      socket.close$.subscribe((info) => this.#closed(info)),
    );
  }

  get CONNECTING(): number {
    return PeerWebSocket.CONNECTING;
  }
  get OPEN(): number {
    return PeerWebSocket.OPEN;
  }
  get CLOSING(): number {
    return PeerWebSocket.CLOSING;
  }
  get CLOSED(): number {
    return PeerWebSocket.CLOSED;
  }

  get readyState(): number {
    return this.#readyState;
  }

  get protocol(): string {
    return this.#protocol;
  }

  get bufferedAmount(): number {
    return this.#peer.getCurrentOutboundBufferedAmount();
  }

  /** As a browser: InvalidStateError while connecting, discarded once closing. */
  send(data: WebSocketMessage): void {
    if (this.#readyState === PeerWebSocket.CONNECTING) {
      throw new DOMException("Failed to execute 'send' on 'WebSocket': still in CONNECTING state", 'InvalidStateError');
    }
    if (this.#readyState !== PeerWebSocket.OPEN) return;
    const message = typeof data === 'string' || data instanceof Blob ? data : copyBytes(data);
    if (this.#outbox.length > 0 || message instanceof Blob) {
      this.#outbox.push(message);
      if (this.#outbox.length === 1) void this.#drainOutbox();
      return;
    }
    this.#write(message);
  }

  /**
   * As a browser: no-op once closing; a code or reason that cannot be sent throws
   * (InvalidAccessError / SyntaxError). Without a code the close frame says 1000. Which
   * codes can be sent is the platform's: 1000 and 3000–4999 in browsers, every code a
   * peer may send in Node.
   */
  close(code?: number, reason?: string): void {
    const text = reason === undefined ? '' : String(reason);
    if (new TextEncoder().encode(text).byteLength > MAX_REASON_BYTES) {
      throw new DOMException("Failed to execute 'close' on 'WebSocket': the reason is longer than 123 bytes", 'SyntaxError');
    }
    if (this.#readyState === PeerWebSocket.CLOSING || this.#readyState === PeerWebSocket.CLOSED) return;
    const closeCode = code === undefined ? 1000 : Number(code);
    if (!(Number.isInteger(closeCode) && closeCode >= 1000)) throw invalidCloseCode(code);
    this.#inCall = true;
    let result: ErrorCode;
    try {
      result = this.#peer.close(closeCode, text);
    } finally {
      this.#inCall = false;
    }
    if (result !== ErrorCode.OK) throw invalidCloseCode(code);
    if (this.#readyState !== PeerWebSocket.CLOSED) this.#readyState = PeerWebSocket.CLOSING;
    if (this.#deferred.length > 0) queueMicrotask(() => this.#flushDeferred());
  }

  #stateChanged(state: State): void {
    if (state === State.OPEN && !this.#opened) {
      this.#opened = true;
      this.#readyState = PeerWebSocket.OPEN;
      this.#protocol = this.#peer.getSelectedProtocol();
      this.#fire(createOpenEvent());
    } else if (state === State.CLOSING && this.#readyState === PeerWebSocket.OPEN) {
      this.#readyState = PeerWebSocket.CLOSING;
    }
  }

  #received(packet: Packet): void {
    let data: string | ArrayBuffer | Blob;
    if (packet.isString) data = packet.text!;
    else if (this.binaryType === 'arraybuffer') data = copyBytes(packet.data).buffer as ArrayBuffer;
    else data = new Blob([copyBytes(packet.data) as Uint8Array<ArrayBuffer>]);
    this.#fire(createMessageEvent(data));
  }

  #closed(info: CloseInfo): void {
    this.#readyState = PeerWebSocket.CLOSED;
    this.#outbox = [];
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    const code = info.code === CLOSE_CODE_ABNORMAL ? CLOSE_CODE_NO_FRAME : info.code;
    if (!this.#opened) {
      // A connection that never opened "fails" in a browser: 'error', then 'close' with 1006.
      const cause = (info as CloseInfo & { cause?: string }).cause;
      this.#fire(createErrorEvent(`WebSocket connection to '${this.url}' failed${cause ? `: ${cause}` : ''}`));
    }
    this.#fire(createCloseEvent({ code, reason: info.code === CLOSE_CODE_ABNORMAL ? '' : info.reason, wasClean: info.wasClean }));
  }

  #write(message: Uint8Array | string): void {
    // Closing underneath (the remote's close frame is being applied): discarded, as a browser does.
    if (this.#peer.getReadyState() !== State.OPEN) return;
    const result = typeof message === 'string' ? this.#peer.sendText(message) : this.#peer.send(message, WriteMode.BINARY);
    if (result !== ErrorCode.OK) throw new Error(`WebSocket send failed: ${ErrorCode[result] ?? result}`);
  }

  async #drainOutbox(): Promise<void> {
    while (this.#outbox.length > 0) {
      const head = this.#outbox[0]!;
      const message = head instanceof Blob ? new Uint8Array(await head.arrayBuffer()) : head;
      if (this.#outbox[0] !== head) return; // closed while the Blob was read
      this.#outbox.shift();
      if (this.#readyState !== PeerWebSocket.OPEN) continue;
      try {
        this.#write(message);
      } catch {
        // Only a peer that is going away refuses a write; the close event tells the rest.
      }
    }
  }

  #fire(event: Event): void {
    if (this.#inCall || this.#deferred.length > 0) {
      this.#deferred.push(event);
      return;
    }
    this.#dispatch(event);
  }

  #flushDeferred(): void {
    const events = this.#deferred;
    this.#deferred = [];
    for (const event of events) this.#dispatch(event);
  }

  #dispatch(event: Event): void {
    this.dispatchEvent(event);
    switch (event.type) {
      case 'open':
        this.onopen?.call(this, event);
        break;
      case 'message':
        this.onmessage?.call(this, event as MessageEvent);
        break;
      case 'error':
        this.onerror?.call(this, event);
        break;
      case 'close':
        this.onclose?.call(this, event as CloseEvent);
        break;
    }
  }
}

function invalidCloseCode(code: unknown): DOMException {
  return new DOMException(
    `Failed to execute 'close' on 'WebSocket': the close code ${String(code)} cannot be sent from here ` +
      '(1000 or 3000–4999 everywhere; Node also allows 1001–1003 and 1007–1014)',
    'InvalidAccessError',
  );
}

/** A copy of the bytes: a browser's send() takes them at the call, and a caller may reuse its buffer. */
function copyBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}
