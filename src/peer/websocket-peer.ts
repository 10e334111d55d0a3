import {
  CLOSE_CODE_ABNORMAL,
  ErrorCode,
  State,
  WriteMode,
} from './constants.js';
import {
  AttachRequest,
  kAttachTransport,
  kSendUnlimited,
  kNextTimer,
  kPollPending,
  kSetClock,
  kSetHooks,
  kTakePacket,
  kFlush,
  kTakeUnsent,
  PeerHooks,
  TransportSettings,
} from './internal.js';
import { systemClock } from './clock.js';
import { type Authorize, isThenable, judge, type Refusal, refusal, type UpgradeRequest } from './handshake.js';
import type { Packet } from './packet.js';
import { platform } from '#platform';
import { PacketQueue } from './packet-queue.js';
import { isUsableClientTls, type TLSOptions } from './tls-options.js';
import type { ClientRequest, OpenInfo, Transport, TransportSink } from './transport.js';
import { encodeUtf8, isUtf8 } from './utf8.js';
import {
  isNonNegativeInteger,
  isPeerSeconds,
  isSendableCloseCode,
  isValidCloseReason,
  parseHandshakeSettings,
  parseWebSocketUrl,
} from './validation.js';

const EMPTY = new Uint8Array(0);
let PeerSink: new (peer: WebSocketPeer) => TransportSink;

/** Something the transport reported, applied in order by the next poll(). */
type ControlEvent =
  | { kind: 'open'; info: OpenInfo }
  | { kind: 'pong' }
  | { kind: 'request'; request: UpgradeRequest; respond: (refusal: Refusal | null) => void }
  | { kind: 'closing'; code: number; reason: string; cause: string }
  | { kind: 'close'; code: number; reason: string; initiatedHere: boolean; cause: string };



/**
 * Godot's `WebSocketPeer`: one WebSocket connection, client or server side, driven by
 * `poll()`. Nothing happens in the background: what the network did becomes visible
 * only inside `poll()` (and state changes synchronously in `connectToUrl`,
 * `acceptStream` and `close`). Methods return an {@link ErrorCode} and never throw.
 */
export class WebSocketPeer {
  static {
    /**
     * The transport's only way in: records events for the next poll and wakes the driver.
     * One per connection; events from a sink that is no longer the peer's are ignored.
     * Declared here so it can reach the peer's private state (one object, no closures).
     */
    PeerSink = class implements TransportSink {
      constructor(readonly peer: WebSocketPeer) {}

      onOpen(info: OpenInfo): void {
        const peer = this.peer;
        if (peer.#sink !== this) return;
        (peer.#events ??= []).push({ kind: 'open', info });
        peer.#wake();
      }

      onMessage(data: Uint8Array, isText: boolean): void {
        const peer = this.peer;
        if (peer.#sink !== this) return;
        peer.#inbound.push(data, isText);
        peer.#wake();
      }

      onPong(): void {
        const peer = this.peer;
        if (peer.#sink !== this) return;
        (peer.#events ??= []).push({ kind: 'pong' });
        peer.#wake();
      }

      onRequest(request: UpgradeRequest, respond: (refusal: Refusal | null) => void): void {
        const peer = this.peer;
        if (peer.#sink !== this) return;
        (peer.#events ??= []).push({ kind: 'request', request, respond });
        peer.#wake();
      }

      onClosing(code: number, reason: string, cause: string): void {
        const peer = this.peer;
        if (peer.#sink !== this) return;
        (peer.#events ??= []).push({ kind: 'closing', code, reason, cause });
        peer.#wake();
      }

      onClose(code: number, reason: string, initiatedHere = false, cause = ''): void {
        const peer = this.peer;
        if (peer.#sink !== this) return;
        (peer.#events ??= []).push({ kind: 'close', code, reason, initiatedHere, cause });
        peer.#sink = null; // a transport reports its close once; nothing may follow it
        peer.#wake();
      }
    };
  }

  /** Extra `"Name: value"` lines for the client request or the server's 101 response. */
  handshakeHeaders: string[] = [];
  /** Subprotocols to offer (client) or accept (server), in order of preference. */
  supportedProtocols: string[] = [];

  /**
   * Server side: decides, inside `poll()`, whether the client whose upgrade request just
   * arrived may connect (sync or async; see {@link Verdict}). Refused clients get the HTTP
   * status asked for and the peer ends CLOSED with close code -1; a hook that throws or
   * rejects refuses with 500. A slow answer counts against the server's handshake timeout.
   * null (the default): every valid request is accepted, as in Godot. Taken by `acceptStream`.
   */
  authorize: Authorize | null = null;
  /**
   * permessage-deflate (RFC 7692). A client offers it unless this is false; a server accepts
   * it only when this is true or `{ threshold }` (bytes below which messages go uncompressed,
   * 0 by default: every message). null (the default) = the side's default: client offers, server declines.
   * The inflated size counts against `inboundBufferSize` (over it: close 1009). Node only: a
   * browser offers compression whatever this says.
   */
  perMessageDeflate: boolean | { threshold?: number } | null = null;

  #inboundBufferSize = 65535;
  #outboundBufferSize = 65535;
  #maxQueuedPackets = 2048;
  #heartbeatInterval = 0;
  #handshakeTimeout = 10;
  #closeTimeout = 5;
  #maxPendingPongs = 60;
  #noDelay = true;

  #state = State.CLOSED;
  #transport: Transport | null = null;
  #sink: TransportSink | null = null;
  /** What the transport reported since the last poll; null when nothing (most of the time). */
  #events: ControlEvent[] | null = null;
  /** The limits in force for this connection, taken when its handshake completed. */
  #inboundLimit = 65535;
  #outboundLimit = 65535;
  #packetLimit = 2048;
  #heartbeatMs = 0;

  #requestedUrl = '';
  #upgradeRequest: UpgradeRequest | null = null;
  #selectedProtocol = '';
  #connectedHost = '';
  #connectedPort = 0;
  #closeCode = CLOSE_CODE_ABNORMAL;
  #closeReason = '';
  #closeCause = '';
  /** What the last connection's transport still held, unwritten, when it ended. */
  #unsent: { data: Uint8Array; isText: boolean }[] | null = null;

  /** Received messages; the first `#visible` of them have been shown by poll(). */
  #inbound = new PacketQueue();
  #visible = 0;
  #visibleBytes = 0;
  #readingPaused = false;
  #lastWasString = false;
  #packetError = ErrorCode.OK;

  /**
   * Deadlines on the peer's clock, null when none: not Infinity, which would make each a
   * double field, boxed in a number object of its own in every peer.
   */
  #heartbeatDue: number | null = null;
  #awaitingPong = false;
  /** CONNECTING: the handshake deadline; CLOSING: the close deadline; on the peer's clock. */
  #stateDue: number | null = null;
  /** The timeout #stateDue was set from, in seconds, for the cause. */
  #stateTimeout = 0;

  #hooks: PeerHooks | null = null;
  /** The authorize hook taken when the connection started. */
  #authorizeHook: Authorize | null = null;
  #wakePending = false;
  #clock: () => number = systemClock;

  /** Largest message that can be received, in bytes (also the inbound queue's byte limit). */
  get inboundBufferSize(): number {
    return this.#inboundBufferSize;
  }
  /** Ignored unless a positive integer. Taken when a connection starts. */
  set inboundBufferSize(value: number) {
    if (isNonNegativeInteger(value) && value > 0) this.#inboundBufferSize = value;
  }

  /** Bytes that may wait to be written; ≤ 0 removes the limit. Taken when a connection starts. */
  get outboundBufferSize(): number {
    return this.#outboundBufferSize;
  }
  set outboundBufferSize(value: number) {
    if (typeof value === 'number' && Number.isInteger(value)) this.#outboundBufferSize = value;
  }

  /** Messages each queue (inbound and outbound) may hold. Ignored unless a positive integer. */
  get maxQueuedPackets(): number {
    return this.#maxQueuedPackets;
  }
  set maxQueuedPackets(value: number) {
    if (isNonNegativeInteger(value) && value > 0) this.#maxQueuedPackets = value;
  }

  /**
   * Seconds between protocol pings; 0 turns the heartbeat off. A ping unanswered by the
   * next one drops the connection (close code -1). Like every duration of the peer,
   * ignored unless a finite number from 0 to `MAX_PEER_SECONDS` (2^31-1 ms: no timer waits longer).
   */
  get heartbeatInterval(): number {
    return this.#heartbeatInterval;
  }
  set heartbeatInterval(value: number) {
    if (isPeerSeconds(value)) this.#heartbeatInterval = value;
  }

  /**
   * Seconds a connection may stay CONNECTING (TCP, TLS and the WebSocket handshake, client
   * or server side) before it is dropped: CLOSED, close code -1, cause "handshake timed
   * out". Default 10; 0 waits forever. Taken when a connection starts.
   */
  get handshakeTimeout(): number {
    return this.#handshakeTimeout;
  }
  set handshakeTimeout(value: number) {
    if (isPeerSeconds(value)) this.#handshakeTimeout = value;
  }

  /**
   * Seconds a connection may stay CLOSING, waiting for the remote's close frame, before
   * it is dropped: CLOSED with close code -1 (no close frame came), cause "no close frame
   * within N s". Default 5; 0 waits forever. Taken when close() (or the remote's close) starts.
   */
  get closeTimeout(): number {
    return this.#closeTimeout;
  }
  set closeTimeout(value: number) {
    if (isPeerSeconds(value)) this.#closeTimeout = value;
  }

  /**
   * Pings the remote may have waiting for their pong while the pongs can't be written
   * (the remote sends pings but does not read). One more and the peer closes with 1008
   * "Too many pings" (its close code, as for any close the peer starts because of what it
   * received). Default 60; a burst of pings the network accepts the pongs of is never cut.
   * Ignored unless a positive integer. Node only (browsers answer pings themselves).
   */
  get maxPendingPongs(): number {
    return this.#maxPendingPongs;
  }
  set maxPendingPongs(value: number) {
    if (isNonNegativeInteger(value) && value > 0) this.#maxPendingPongs = value;
  }

  /**
   * Connects to a `ws://` or `wss://` URL. Returns OK and enters CONNECTING; the outcome
   * shows in a later `poll()` (OPEN, or CLOSED with close code -1).
   */
  connectToUrl(url: string, tlsOptions?: TLSOptions | null): ErrorCode {
    const parsed = parseWebSocketUrl(url);
    if (parsed === null) return ErrorCode.ERR_INVALID_PARAMETER;
    // Only options made by TLSOptions.client()/clientUnsafe() reach Node's TLS stack.
    if (tlsOptions != null && !isUsableClientTls(tlsOptions)) return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#state === State.CONNECTING || this.#state === State.OPEN) return ErrorCode.ERR_ALREADY_IN_USE;
    const settings = this.#settings();
    if (settings === null) return ErrorCode.ERR_INVALID_PARAMETER;
    // Every object on the connect path is written out: V8 builds `{ ...a, b }` slowly
    // (microseconds each), which showed in the time to open thousands of connections.
    const request: ClientRequest = {
      url: parsed,
      tls: tlsOptions ?? null,
      protocols: settings.protocols,
      headers: settings.headers,
      maxPayload: settings.maxPayload,
      noDelay: settings.noDelay,
      perMessageDeflate: settings.perMessageDeflate,
      maxPendingPongs: settings.maxPendingPongs,
    };
    return this.#start(url, (sink) => platform.connect(request, sink));
  }

  /**
   * Server side: takes a stream from `TCPServer.takeConnection()` (or
   * `StreamPeerTLS.acceptStream`) and runs the WebSocket handshake in `poll()`.
   */
  acceptStream(stream: unknown): ErrorCode {
    if (this.#state === State.CONNECTING || this.#state === State.OPEN) return ErrorCode.ERR_ALREADY_IN_USE;
    const settings = this.#settings();
    if (settings === null) return ErrorCode.ERR_INVALID_PARAMETER;
    const accepted = platform.accept(stream);
    if (typeof accepted === 'number') return accepted;
    return this.#start('', (sink) => accepted.open(sink, this.#serverSettings(settings)));
  }

  /** Applies everything the transport recorded since the last poll, and the peer's own deadlines. */
  poll(): void {
    this.#wakePending = false;
    if (this.#events !== null) this.#applyEvents();
    if (this.#state === State.OPEN && this.#heartbeatMs > 0) this.#checkHeartbeat();
    if (this.#stateDue !== null) this.#checkStateDeadline();
    if (this.#visible < this.#inbound.length) this.#showArrived();
  }

  getReadyState(): State {
    return this.#state;
  }

  /** Packets received and shown by poll(); still readable after the close, until read or until the peer is reused. */
  getAvailablePacketCount(): number {
    return this.#visible;
  }

  /** Oldest packet, or an empty array with `getPacketError()` = ERR_UNAVAILABLE. */
  getPacket(): Uint8Array {
    const packet = this.#takePacket();
    return packet === undefined ? EMPTY : packet.data;
  }

  getPacketError(): ErrorCode {
    return this.#packetError;
  }

  /** Whether the last packet read by `getPacket()` was a text frame. */
  wasStringPacket(): boolean {
    return this.#lastWasString;
  }

  /** Sends a binary message (Godot's `PacketPeer.put_packet`). */
  putPacket(data: Uint8Array): ErrorCode {
    return this.send(data, WriteMode.BINARY);
  }

  /** Sends `message` as a binary frame, or as a text frame (must be valid UTF-8) with WriteMode.TEXT. */
  send(message: Uint8Array, writeMode: WriteMode = WriteMode.BINARY): ErrorCode {
    if (!(message instanceof Uint8Array)) return ErrorCode.ERR_INVALID_PARAMETER;
    if (writeMode !== WriteMode.BINARY && writeMode !== WriteMode.TEXT) return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#state !== State.OPEN) return ErrorCode.FAILED;
    const isText = writeMode === WriteMode.TEXT;
    if (isText && !isUtf8(message)) return ErrorCode.ERR_INVALID_DATA;
    return this.#write(message, isText);
  }

  sendText(message: string): ErrorCode {
    if (typeof message !== 'string') return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#state !== State.OPEN) return ErrorCode.FAILED;
    return this.#write(encodeUtf8(message), true);
  }

  /**
   * Starts a clean close (OPEN → CLOSING; keep polling until CLOSED), or with a negative
   * code drops the connection at once, from any state, without a close frame. Invalid codes and reasons
   * over 123 UTF-8 bytes return ERR_INVALID_PARAMETER and change nothing. With a negative
   * code nothing goes on the wire, so `reason` is kept as the {@link getCloseCause} instead.
   */
  close(code = 1000, reason = ''): ErrorCode {
    if (typeof code !== 'number' || !Number.isInteger(code) || !isValidCloseReason(reason)) {
      return ErrorCode.ERR_INVALID_PARAMETER;
    }
    if (code >= 0 && !isSendableCloseCode(code)) return ErrorCode.ERR_INVALID_PARAMETER;
    const transport = this.#transport;
    // A platform's own limits on close codes (browsers) matter only when a frame goes out.
    if (this.#state === State.OPEN && code >= 0 && transport?.canSendCloseCode && !transport.canSendCloseCode(code)) {
      return ErrorCode.ERR_INVALID_PARAMETER;
    }
    if (this.#state === State.CONNECTING || (code < 0 && this.#state !== State.CLOSED)) {
      // A negative code forces CLOSED from any state, as Godot's WSLPeer::close does.
      let cause = reason;
      if (code >= 0 || reason === '') {
        cause = this.#state === State.CONNECTING ? 'closed locally while connecting' : 'aborted locally without a close frame';
      }
      this.#abort(cause);
    } else if (this.#state === State.OPEN) {
      transport!.close(code, reason);
      this.#enterClosing();
    }
    return ErrorCode.OK;
  }

  /** Code of the close frame received from the remote; -1 if none (an unclean close). */
  getCloseCode(): number {
    return this.#closeCode;
  }

  getCloseReason(): string {
    return this.#closeReason;
  }

  /**
   * Why the connection ended without a close frame (close code -1), in words a person can
   * act on: the refused address, the name that did not resolve, the HTTP status the
   * server answered, the missing subprotocol, the TLS error, the missed pong, the
   * handshake or close timeout. Also set when the peer itself closed because of what it
   * received (1002, 1007, 1008, 1009: what exactly was wrong). Empty while connected and
   * after a clean close. Not part of Godot's API.
   */
  getCloseCause(): string {
    return this.#closeCause;
  }

  getConnectedHost(): string {
    return this.#connectedHost;
  }

  getConnectedPort(): number {
    return this.#connectedPort;
  }

  /** Payload bytes sent but not yet written to the network; 0 unless OPEN. */
  getCurrentOutboundBufferedAmount(): number {
    return this.#state === State.OPEN && this.#transport !== null ? this.#transport.bufferedAmount : 0;
  }

  /** The URL passed to `connectToUrl`, or on the server `ws(s)://` + Host + path and query. */
  getRequestedUrl(): string {
    return this.#requestedUrl;
  }

  /** Server side: the client's upgrade request (URL, headers, address, subprotocols), once it arrived; else null. */
  getUpgradeRequest(): UpgradeRequest | null {
    return this.#upgradeRequest;
  }

  getSelectedProtocol(): string {
    return this.#selectedProtocol;
  }

  /** Disables Nagle's algorithm on the TCP socket (the default), or re-enables it. Ignored unless a boolean. */
  setNoDelay(enabled: boolean): void {
    if (typeof enabled !== 'boolean') return;
    this.#noDelay = enabled;
    this.#transport?.setNoDelay(enabled);
  }

  // ---- internal surface (symbols) ----

  /** @internal Installs the single driver's hooks; false if another driver holds the peer. */
  [kSetHooks](hooks: PeerHooks | null): boolean {
    if (hooks !== null && this.#hooks !== null && this.#hooks !== hooks) return false;
    this.#hooks = hooks;
    return true;
  }

  /** @internal */
  [kSetClock](clock: (() => number) | null): void {
    const next = clock ?? systemClock;
    // Deadlines are times on the old clock: carry them over to the new one.
    const shift = next() - this.#clock();
    if (this.#heartbeatDue !== null) this.#heartbeatDue += shift;
    if (this.#stateDue !== null) this.#stateDue += shift;
    this.#clock = next;
  }

  /** @internal When a poll is next due for the peer's own timers (heartbeat, handshake and close deadlines), on its clock; Infinity if never. */
  [kNextTimer](): number {
    if (this.#state === State.OPEN) return this.#heartbeatDue ?? Infinity;
    return this.#state === State.CLOSED ? Infinity : (this.#stateDue ?? Infinity);
  }

  /** @internal Whether something recorded since the last poll() waits for one (a wake-up was asked for). */
  [kPollPending](): boolean {
    return this.#wakePending;
  }

  /**
   * @internal The messages the last connection's transport held, accepted by send() but never
   * written to the network, when the connection ended; each is returned once. Empty while
   * a connection is live, and for transports that can't tell (browsers; memory delivers at once).
   */
  [kTakeUnsent](): { data: Uint8Array; isText: boolean }[] {
    const unsent = this.#unsent;
    this.#unsent = null;
    return unsent ?? [];
  }

  /** @internal getPacket() without unwrapping, for drivers that emit Packet objects. */
  [kTakePacket](): Packet | undefined {
    return this.#takePacket();
  }

  /** @internal See kFlush: what was sent goes to the network now. */
  [kFlush](): void {
    this.#transport?.flush?.();
  }

  /**
   * @internal A binary message past the outbound limits, for the few a protocol must never lose (a
   * multiplayer server's ID, ADD and DEL: a lost one leaves a peer list wrong for good).
   * Their number is bounded by the peers there are, not by what a client sends.
   */
  [kSendUnlimited](data: Uint8Array): ErrorCode {
    if (this.#state !== State.OPEN) return ErrorCode.FAILED;
    return this.#transport!.send(data, false) ? ErrorCode.OK : ErrorCode.FAILED;
  }

  /** @internal Starts a connection over a transport built by the caller (memory pairs, servers). */
  [kAttachTransport](request: AttachRequest): ErrorCode {
    if (this.#state === State.CONNECTING || this.#state === State.OPEN) return ErrorCode.ERR_ALREADY_IN_USE;
    const settings = this.#settings();
    if (settings === null) return ErrorCode.ERR_INVALID_PARAMETER;
    return this.#start(request.requestedUrl, (sink) => request.open(sink, request.server === true ? this.#serverSettings(settings) : settings));
  }

  // ---- private ----

  #settings(): TransportSettings | null {
    const handshake = parseHandshakeSettings(this.supportedProtocols, this.handshakeHeaders);
    if (handshake === null) return null;
    const deflate = this.perMessageDeflate;
    let perMessageDeflate: TransportSettings['perMessageDeflate'];
    if (deflate === null || deflate === true) perMessageDeflate = {};
    else if (deflate === false) perMessageDeflate = false;
    else if (typeof deflate === 'object' && isDeflateThreshold(deflate.threshold)) {
      perMessageDeflate = deflate.threshold === undefined ? {} : { threshold: deflate.threshold };
    }
    else return null;
    if (this.authorize !== null && typeof this.authorize !== 'function') return null;
    return {
      protocols: handshake.protocols,
      headers: handshake.headers,
      maxPayload: this.#inboundBufferSize,
      noDelay: this.#noDelay,
      checkRequests: this.authorize !== null,
      perMessageDeflate,
      maxPendingPongs: this.#maxPendingPongs,
    };
  }

  /** A server declines compression unless asked for it. */
  #serverSettings(settings: TransportSettings): TransportSettings {
    if (this.perMessageDeflate !== null) return settings;
    return {
      protocols: settings.protocols,
      headers: settings.headers,
      maxPayload: settings.maxPayload,
      noDelay: settings.noDelay,
      checkRequests: settings.checkRequests,
      perMessageDeflate: false,
      maxPendingPongs: settings.maxPendingPongs,
    };
  }

  #start(requestedUrl: string, open: (sink: TransportSink) => Transport): ErrorCode {
    // The new transport first: if the platform refuses to even start it (Node's HTTP client
    // on a header byte, a browser's SecurityError), nothing of the old connection is touched.
    const previousSink = this.#sink;
    const previousEvents = this.#events;
    const sink = new PeerSink(this);
    this.#sink = sink; // a transport may report at once (the memory transport's open)
    this.#events = null;
    let transport: Transport;
    try {
      transport = open(sink);
    } catch {
      this.#sink = previousSink;
      this.#events = previousEvents;
      return ErrorCode.ERR_INVALID_PARAMETER;
    }
    this.#transport?.terminate(); // reusing a CLOSING peer drops its old connection, as Godot does
    this.#transport = transport;
    this.#inbound.clear();
    this.#visible = 0;
    this.#visibleBytes = 0;
    this.#readingPaused = false;
    this.#lastWasString = false;
    this.#packetError = ErrorCode.OK;
    this.#requestedUrl = requestedUrl;
    this.#upgradeRequest = null;
    this.#authorizeHook = this.authorize;
    this.#selectedProtocol = '';
    this.#connectedHost = '';
    this.#connectedPort = 0;
    this.#closeCode = CLOSE_CODE_ABNORMAL;
    this.#closeReason = '';
    this.#closeCause = '';
    this.#unsent = null;
    this.#awaitingPong = false;
    this.#heartbeatDue = null;
    this.#stateTimeout = this.#handshakeTimeout;
    this.#stateDue = this.#stateTimeout > 0 ? this.#clock() + this.#stateTimeout * 1000 : null;
    this.#setState(State.CONNECTING);
    return ErrorCode.OK;
  }

  #wake(): void {
    if (this.#wakePending) return;
    this.#wakePending = true;
    this.#hooks?.wake();
  }

  #applyEvents(): void {
    const events = this.#events!;
    this.#events = null;
    for (const event of events) {
      switch (event.kind) {
        case 'open': {
          if (this.#state !== State.CONNECTING) break;
          const info = event.info;
          this.#selectedProtocol = info.protocol;
          this.#connectedHost = info.remoteAddress;
          this.#connectedPort = info.remotePort;
          if (info.requestedUrl !== undefined) this.#requestedUrl = info.requestedUrl;
          if (info.request !== undefined) this.#upgradeRequest = info.request;
          // As in Godot, the limits in force are the ones set when the handshake completes.
          this.#inboundLimit = this.#inboundBufferSize;
          this.#outboundLimit = this.#outboundBufferSize;
          this.#packetLimit = this.#maxQueuedPackets;
          this.#heartbeatMs = this.#heartbeatInterval * 1000;
          if (this.#heartbeatMs > 0) this.#heartbeatDue = this.#clock() + this.#heartbeatMs;
          this.#stateDue = null;
          this.#setState(State.OPEN);
          break;
        }
        case 'pong':
          this.#awaitingPong = false;
          break;
        case 'request':
          if (this.#state !== State.CONNECTING) break;
          this.#upgradeRequest = event.request;
          this.#decide(event.request, event.respond);
          break;
        case 'closing':
          if (this.#state !== State.OPEN) break;
          // The peer reports the close it sent (code and reason), even if no answer ever comes.
          this.#closeCode = event.code;
          this.#closeReason = event.reason;
          this.#closeCause = event.cause;
          this.#enterClosing();
          break;
        case 'close':
          this.#applyClose(event.code, event.reason, event.initiatedHere, event.cause);
          break;
      }
    }
  }

  #applyClose(code: number, reason: string, initiatedHere: boolean, cause: string): void {
    if (this.#state === State.CLOSED) return;
    if (code === CLOSE_CODE_ABNORMAL && this.#closeCode === CLOSE_CODE_ABNORMAL) {
      this.#closeCause = cause || 'the connection was lost without a close frame';
    } else if (initiatedHere && cause !== '') {
      this.#closeCause = cause; // a close the peer started because of what it received
    }
    // Everything that arrived came before the close: show it first, so drivers hear
    // packets, then the close, in wire order.
    this.#showArrived();
    if (code !== CLOSE_CODE_ABNORMAL) {
      this.#closeCode = code;
      this.#closeReason = reason;
      if (this.#state === State.OPEN) {
        this.#enterClosing();
        if (!initiatedHere) {
          // The remote closed first: answer with the same code and reason, as Godot does.
          this.#transport?.close(code, reason);
          this.#hooks?.closeRequested?.(code, reason);
        }
      }
    }
    this.#release();
    this.#finish();
  }

  /** Runs the authorize hook and answers the transport; a throw or rejection refuses with 500. */
  #decide(request: UpgradeRequest, respond: (refusal: Refusal | null) => void): void {
    const answer = (verdict: unknown): void => {
      const judged = judge(verdict);
      respond('accept' in judged ? null : judged);
    };
    const failed = (): void => respond(refusal(500));
    let verdict: unknown;
    try {
      verdict = this.#authorizeHook!(request);
    } catch {
      return failed();
    }
    if (isThenable(verdict)) Promise.resolve(verdict).then(answer, failed);
    else answer(verdict);
  }

  #checkHeartbeat(): void {
    const now = this.#clock();
    const due = this.#heartbeatDue;
    if (due === null || now < due) return;
    if (this.#awaitingPong) {
      // The previous ping went unanswered: the remote is gone (an unanswered ping means a dead connection, not a slow one).
      this.#abort(`no pong within one heartbeat interval (${this.#heartbeatMs / 1000} s)`);
      return;
    }
    if (!this.#transport!.ping()) {
      this.#heartbeatDue = null; // the platform cannot ping (browsers)
      return;
    }
    this.#awaitingPong = true;
    this.#heartbeatDue = now + this.#heartbeatMs;
  }

  /** Moves arrived messages into view within the inbound limits; the rest wait in the socket. */
  #showArrived(): void {
    const inbound = this.#inboundLimit;
    const maxPackets = this.#packetLimit;
    const closed = this.#state === State.CLOSED;
    while (this.#visible < this.#inbound.length) {
      const size = this.#inbound.sizeAt(this.#visible);
      if (!closed && this.#visible > 0 && (this.#visible >= maxPackets || this.#visibleBytes + size > inbound)) break;
      this.#visible++;
      this.#visibleBytes += size;
      this.#hooks?.packetReady?.();
    }
    const backlog = this.#visible < this.#inbound.length;
    if (backlog !== this.#readingPaused && this.#transport !== null) {
      this.#readingPaused = backlog;
      if (backlog) this.#transport.pauseReading();
      else this.#transport.resumeReading();
    }
  }

  #takePacket(): Packet | undefined {
    if (this.#visible === 0) {
      this.#packetError = ErrorCode.ERR_UNAVAILABLE;
      return undefined;
    }
    const packet = this.#inbound.shift()!;
    this.#visible--;
    this.#visibleBytes -= packet.data.byteLength;
    // The last shown packet is read while more wait behind the inbound limits: the next
    // poll would show them, so a driver polling on demand must hear of it.
    if (this.#visible === 0 && this.#inbound.length > 0) this.#wake();
    this.#lastWasString = packet.isString;
    this.#packetError = ErrorCode.OK;
    return packet;
  }

  #write(data: Uint8Array, isText: boolean): ErrorCode {
    const transport = this.#transport!;
    const outbound = this.#outboundLimit;
    const maxPackets = this.#packetLimit;
    if (transport.bufferedCount >= maxPackets) return ErrorCode.ERR_OUT_OF_MEMORY;
    if (outbound > 0 && transport.bufferedAmount + data.byteLength > outbound) return ErrorCode.ERR_OUT_OF_MEMORY;
    return transport.send(data, isText) ? ErrorCode.OK : ErrorCode.FAILED;
  }

  /** Drops the connection when the handshake or the closing handshake overstays its deadline. */
  #checkStateDeadline(): void {
    const due = this.#stateDue;
    if (due === null || this.#clock() < due) return;
    if (this.#state === State.CONNECTING) {
      this.#abort(`handshake timed out after ${this.#stateTimeout} s`);
    } else if (this.#state === State.CLOSING) {
      this.#abort(`no close frame from the remote within ${this.#stateTimeout} s`);
    }
  }

  #enterClosing(): void {
    this.#stateTimeout = this.#closeTimeout;
    this.#stateDue = this.#stateTimeout > 0 ? this.#clock() + this.#stateTimeout * 1000 : null;
    this.#setState(State.CLOSING);
    // close() runs outside poll(): a driver polling on demand must hear of the new deadline,
    // or a remote that never answers would keep the peer CLOSING.
    if (this.#stateDue !== null) this.#wake();
  }

  /** CLOSED at once, no close frame; close code -1 unless a close frame already arrived. */
  #abort(cause: string): void {
    if (this.#closeCode === CLOSE_CODE_ABNORMAL) this.#closeCause = cause;
    this.#transport?.terminate();
    this.#release();
    this.#finish();
  }

  #release(): void {
    // What the transport could not write is lost with it: keep it to be reported.
    const unsent = this.#transport?.takeUnsent?.();
    if (unsent !== undefined && unsent.length > 0) this.#unsent = unsent;
    this.#stateDue = null;
    this.#sink = null;
    this.#transport = null;
    this.#events = null;
    this.#readingPaused = false;
    this.#heartbeatDue = null;
  }

  #finish(): void {
    // CLOSED first, so every packet that arrived is shown before the driver hears of it.
    this.#state = State.CLOSED;
    this.#showArrived();
    this.#hooks?.stateChanged(State.CLOSED);
  }

  #setState(state: State): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#hooks?.stateChanged(state);
  }
}

function isDeflateThreshold(threshold: unknown): boolean {
  return threshold === undefined || (typeof threshold === 'number' && Number.isInteger(threshold) && threshold >= 0);
}
