import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import WebSocket from 'ws';
import { CLOSE_CODE_ABNORMAL, PROTOCOL_CLOSE } from '../constants.js';
import { Queue } from '../queue.js';
import { type CauseContext, describeConnectionError } from './close-cause.js';
import { FrameBatch, readFrames } from './frame-batch.js';
import { toPem } from './pem.js';
import type { UpgradeRequest } from '../handshake.js';
import type { ClientRequest, Transport, TransportSink } from '../transport.js';

const BINARY = { binary: true, compress: false } as const;
const TEXT = { binary: false, compress: false } as const;
const BINARY_COMPRESSED = { binary: true, compress: true } as const;
const TEXT_COMPRESSED = { binary: false, compress: true } as const;
/**
 * Without a threshold every message is compressed, as ws does once context takeover is
 * negotiated (its default): with a shared window even short chat lines shrink.
 */
const DEFAULT_COMPRESS_THRESHOLD = 0;

/** ws closes with a bare code when its receiver rejects a frame; Godot sends a reason too. */
const REASON_FOR_CODE = new Map<number, string>(
  Object.values(PROTOCOL_CLOSE).map(({ code, reason }) => [code, reason]),
);

/**
 * ws with Godot's wording on the wire: when ws's receiver rejects a frame it calls
 * `close(code)` without a reason; rxpeer always passes one itself.
 */
export class GodotWireWebSocket extends WebSocket {
  /** The transport this socket reports to, in place of listeners (see emit). */
  transport: WsTransport | null = null;
  #closeWatched = false;

  /**
   * ws tells its user everything through emit(). The transport is the only user, so the
   * events it needs go to it directly: an EventEmitter keeps its listeners in a dictionary
   * per socket (about half a KiB with the seven a transport needs), the largest part of
   * what an idle connection cost beyond ws itself. Events the transport does not take
   * (ws's 'unexpected-response', 'redirect') are emitted as usual, so ws sees no listener.
   */
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    const transport = this.transport;
    if (transport !== null && transport.hear(event, a, b)) return true;
    // eslint-disable-next-line prefer-rest-params
    return Reflect.apply(WebSocket.prototype.emit, this, arguments) as boolean;
  }

  override close(code?: number, data?: string | Buffer): void {
    if (data === undefined && code !== undefined) data = REASON_FOR_CODE.get(code);
    super.close(code, data);
    // Godot's peer is CLOSED once close frames went both ways, and closes the connection
    // itself (WSLPeer::poll). ws then only half-closes (socket.end()) and waits up to 30 s
    // for the remote to close its side, so a remote that never does (Godot 3.2.3 after its
    // own 1009 stops reading; test/interop) held the peer OPEN for 30 s. Close the socket
    // once ws has ended its side after the remote's close frame arrived. (ws's `_socket`
    // and `_closeFrameReceived` are read defensively: without them, ws's own timing stays.)
    const internals = this as unknown as { _socket?: Duplex | null; _closeFrameReceived?: boolean };
    const socket = internals._socket;
    if (this.#closeWatched || socket == null) return;
    this.#closeWatched = true;
    socket.once('finish', () => {
      if (internals._closeFrameReceived === true) socket.destroy();
    });
  }
}

/** The close status ws attaches to a receiver error (the code it puts in its close frame). */
function wsStatusCode(error: Error): number | undefined {
  for (const key of Object.getOwnPropertySymbols(error)) {
    if (key.description === 'status-code') {
      const code = (error as unknown as Record<symbol, unknown>)[key];
      return typeof code === 'number' ? code : undefined;
    }
  }
  return undefined;
}

interface ProtocolClose {
  code: number;
  reason: string;
  cause: string;
}

const PING_FLOOD = { code: 1008, reason: 'Too many pings' } as const;

/**
 * The close the peer itself sent because of what ws's receiver rejected, reported as the
 * peer's close code and reason: the code ws actually sends (1009, 1002, 1007, or 1008 for
 * its fragment and buffered-chunk limits), with Godot's wording for it.
 */
function protocolCloseFor(error: Error & { code?: string }): ProtocolClose | null {
  const code = error.code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return null;
  const cause = error.message;
  if (code === 'WS_ERR_INVALID_UTF8') return { ...PROTOCOL_CLOSE.invalidPayload, cause };
  if (code.endsWith('PAYLOAD_LENGTH') && code !== 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH') return { ...PROTOCOL_CLOSE.messageTooBig, cause };
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return { ...PROTOCOL_CLOSE.messageTooBig, cause };
  if (code === 'WS_ERR_TOO_MANY_BUFFERED_PARTS') return { ...PROTOCOL_CLOSE.tooManyFragments, cause };
  const status = wsStatusCode(error);
  const known = Object.values(PROTOCOL_CLOSE).find((close) => close.code === status);
  return { ...(known ?? PROTOCOL_CLOSE.protocolError), cause };
}

/**
 * Frames one message may arrive in. ws refuses a message in more than 16,384 frames by
 * default, whatever their size, so a legal 4 MiB message in 64-byte fragments was refused.
 * A message within the payload limit needs at most one frame per byte; on top of that
 * ws's 16,384 stays the allowance for empty fragments, which carry nothing and only cost
 * CPU. (ws reads the limit as a 32-bit integer: clamp, or a large limit wraps to "none".)
 */
export function maxFragmentsFor(maxPayload: number): number {
  return Math.min(2 ** 31 - 1, maxPayload + EMPTY_FRAGMENT_ALLOWANCE);
}
const EMPTY_FRAGMENT_ALLOWANCE = 16 * 1024;

/** ws's permessage-deflate options for a transport's setting. */
export function deflateOptions(setting: false | { threshold?: number }): false | WebSocket.PerMessageDeflateOptions {
  if (setting === false) return false;
  return setting.threshold === undefined ? {} : { threshold: setting.threshold };
}

/**
 * A ws:// or wss:// URL naming an IPv4 address, as ws keeps it (a WHATWG href: the address in
 * dotted-decimal form, the port only when not the scheme's default, a path after the host).
 */
const IPV4_URL = /^(wss?):\/\/(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?\//;

function portOf(named: RegExpExecArray): number {
  const port = named[3];
  if (port !== undefined) return Number(port);
  return named[1] === 'wss' ? 443 : 80;
}

/** Transports with frames waiting: one microtask writes them all, after the poll() that sent them. */
let toFlush: WsTransport[] = [];
/**
 * The microtask is a reaction on a settled promise: Node's queueMicrotask() wraps each
 * callback in an AsyncResource, which cost about as much as the write it schedules.
 */
const settled = Promise.resolve();

/** `range` in a buffer of exactly its size (Buffer.from would take a slice of Node's shared pool). */
function ownCopy(range: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(range.length);
  range.copy(copy);
  return copy;
}

function flushAll(): void {
  const transports = toFlush;
  toFlush = [];
  // A flush that throws must not leave the transports after it unflushed and marked as
  // queued forever: each is flushed, and the first error is rethrown afterwards.
  let failed = false;
  let failure: unknown;
  for (const transport of transports) {
    try {
      transport.flush();
    } catch (error) {
      if (!failed) [failed, failure] = [true, error];
    }
  }
  if (failed) throw failure;
}

/**
 * A WebSocketPeer's transport over a `ws` WebSocket, client or server side. ws reads and
 * runs the handshake and the close; messages are framed here (frame-batch.ts) and reach the
 * socket in one write per poll() (ws would write each one on its own), unless an extension
 * such as permessage-deflate was negotiated: then ws frames them. A received message is
 * handed to the peer as ws emits it, without a copy: ws never reuses that buffer (it is a
 * view of the socket read the frame came in, which Node allocates for each read, or a
 * fresh concatenation of fragments or of a frame split across reads).
 */
export class WsTransport implements Transport {
  readonly #ws: GodotWireWebSocket;
  readonly #sink: TransportSink;
  readonly #requestedUrl: string | undefined;
  readonly #request: UpgradeRequest | undefined;
  /** Messages of at least this many bytes are compressed (when the extension was negotiated). */
  readonly #compressThreshold: number;
  #socket: Socket | null;
  /** What frames are written to (the TLS socket over `#socket` for wss); null until known. */
  #wire: Duplex | null;
  /** Client frames are masked. */
  #masked = false;
  /** Messages not yet handed to the socket; null until the first send, or when ws frames them. */
  #batch: FrameBatch | null | undefined = undefined;
  #flushQueued = false;
  #noDelay: boolean;
  #protocolClose: ProtocolClose | null = null;
  /** Why the connection failed or was lost, from ws's or Node's error (CloseInfo.cause). */
  #cause = '';
  /** Client side: the subprotocols offered, to name them in a cause (null: none). */
  readonly #offeredProtocols: readonly string[] | null;
  /** Payload bytes and message counts of writes whose callback has not run yet (made at the first send). */
  #pendingSizes: Queue<number> | null = null;
  #pendingCounts: Queue<number> | null = null;
  #pendingBytes = 0;
  #pendingCount = 0;
  #written: ((error?: Error | null) => void) | null = null;
  /**
   * What each write whose callback has not run carries: its frames, or (when ws frames
   * the message) the message itself. Kept so that what a drop loses can be reported.
   */
  #inFlight: Queue<readonly Uint8Array[] | { data: Uint8Array; isText: boolean }> | null = null;
  /** Pongs handed to ws and not yet written (see WebSocketPeer.maxPendingPongs). */
  #pendingPongs = 0;
  readonly #maxPendingPongs: number;
  #pongWritten: (() => void) | null = null;

  /** `wire`: the stream ws reads and writes (server side; a client learns it at the upgrade). */
  constructor(
    ws: GodotWireWebSocket,
    sink: TransportSink,
    socket: Socket | null,
    noDelay: boolean,
    {
      requestedUrl,
      request,
      deflate = false,
      protocols,
      wire = null,
      maxPendingPongs = 60,
    }: {
      requestedUrl?: string;
      request?: UpgradeRequest;
      deflate?: false | { threshold?: number };
      /** Client side: the subprotocols offered (named in the cause when the server takes none). */
      protocols?: readonly string[];
      /** What frames are written to (the TLS socket over `socket` for wss); null until known. */
      wire?: Duplex | null;
      /** Pongs that may wait unwritten before a ping flood is closed with 1008. */
      maxPendingPongs?: number;
    } = {},
  ) {
    this.#ws = ws;
    this.#offeredProtocols = protocols !== undefined && protocols.length > 0 ? protocols : null;
    this.#sink = sink;
    this.#requestedUrl = requestedUrl;
    this.#request = request;
    // ws applies its threshold only without context takeover; apply it to every message here.
    this.#compressThreshold = deflate === false ? Infinity : (deflate.threshold ?? DEFAULT_COMPRESS_THRESHOLD);
    this.#socket = socket;
    this.#wire = wire;
    this.#noDelay = noDelay;
    this.#maxPendingPongs = maxPendingPongs;
    socket?.setNoDelay(noDelay);
    ws.transport = this; // from here on ws's events come to hear()
    if (ws.readyState === WebSocket.OPEN) this.#opened();
  }

  /**
   * One event of the socket (GodotWireWebSocket.emit); false for the ones it does not take.
   * Every failure also ends in 'close': taking 'error' keeps ws from throwing it.
   */
  hear(event: string | symbol, a: unknown, b: unknown): boolean {
    switch (event) {
      case 'message':
        this.#sink.onMessage(a as Buffer, b !== true);
        return true;
      case 'ping':
        this.#onPing(a as Buffer);
        return true;
      case 'pong':
        this.#sink.onPong();
        return true;
      case 'upgrade':
        this.#onUpgrade(a as IncomingMessage);
        return true;
      case 'open':
        this.#opened();
        return true;
      case 'error':
        this.#onError(a as Error);
        return true;
      case 'close':
        this.#onClose(a as number, b as Buffer);
        return true;
      default:
        return false;
    }
  }

  #onUpgrade(response: IncomingMessage): void {
    this.#socket = response.socket as Socket;
    // Godot's client (WSLPeer::_verify_server_response) requires exactly HTTP/1.1, as RFC 6455 §4.1 does.
    if (response.httpVersion !== '1.1') {
      this.#cause = `the server answered HTTP/${response.httpVersion} ${response.statusCode ?? ''}; a WebSocket handshake needs HTTP/1.1`;
      this.#ws.terminate(); // ws stops the handshake when the socket is no longer CONNECTING after 'upgrade'
      return;
    }
    this.#socket.setNoDelay(this.#noDelay);
    this.#wire = response.socket;
    this.#masked = true;
  }

  /**
   * ws's own guard (maxPendingAutoPongs) cuts a connection without a close frame, so the
   * peer would report a network failure. Here the pongs are answered by the transport,
   * and a flood ends in a close with 1008 and a cause. Pongs the socket took at once do
   * not count: a burst of pings the network carries the answers of is never cut.
   */
  #onPing(data: Buffer): void {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN || this.#protocolClose !== null) return;
    if (ws.bufferedAmount === 0) this.#pendingPongs = 0;
    if (this.#pendingPongs >= this.#maxPendingPongs) {
      this.#protocolClose = {
        ...PING_FLOOD,
        cause: `ping flood: ${this.#pendingPongs} pongs waiting unwritten (maxPendingPongs)`,
      };
      // The remote does not read: the close frame is sent, but nobody waits for an answer.
      ws.close(PING_FLOOD.code, PING_FLOOD.reason);
      ws.terminate();
      return;
    }
    this.#pendingPongs++;
    ws.pong(data, undefined, (this.#pongWritten ??= () => {
      if (this.#pendingPongs > 0) this.#pendingPongs--;
    }));
  }

  #onError(error: Error): void {
    if (this.#cause === '') this.#cause = describeConnectionError(error, this.#causeContext());
    if (this.#protocolClose !== null) return;
    const sent = protocolCloseFor(error);
    if (sent === null) return;
    this.#protocolClose = sent;
    // ws has sent its close frame and now waits for the answer (up to 30 s): the peer is
    // CLOSING from here, under its own close timeout.
    this.#sink.onClosing?.(sent.code, sent.reason, sent.cause);
  }

  /**
   * What the client asked for, to name it in a cause: read back from the URL ws keeps
   * rather than kept apart by every connection, since it is needed only when one fails.
   */
  #causeContext(): CauseContext {
    const url = this.#ws.url;
    if (typeof url !== 'string' || url === '') return {}; // server side
    const parsed = new URL(url);
    const port = parsed.port !== '' ? Number(parsed.port) : parsed.protocol === 'wss:' ? 443 : 80;
    return { host: parsed.hostname, port, protocols: this.#offeredProtocols ?? [] };
  }

  #onClose(code: number, reason: Buffer): void {
    const sent = this.#protocolClose;
    if (sent !== null) this.#sink.onClose(sent.code, sent.reason, true, sent.cause);
    else if (code === 1006) this.#sink.onClose(CLOSE_CODE_ABNORMAL, '', false, this.#cause);
    else this.#sink.onClose(code, reason.toString());
  }

  #opened(): void {
    // ws's setSocket() turns Nagle off after the 'upgrade' event; re-apply the peer's choice.
    this.#socket?.setNoDelay(this.#noDelay);
    // A client whose URL names an IPv4 address is connected to that address and port: reading
    // them back from the socket (getpeername) costs a call into Node and an object it keeps.
    const named = this.#masked ? IPV4_URL.exec(this.#ws.url) : null;
    this.#sink.onOpen({
      protocol: this.#ws.protocol,
      remoteAddress: named !== null ? named[2]! : (this.#socket?.remoteAddress ?? ''),
      remotePort: named !== null ? portOf(named) : (this.#socket?.remotePort ?? 0),
      requestedUrl: this.#requestedUrl,
      request: this.#request,
    });
  }

  get bufferedAmount(): number {
    return this.#pendingBytes + (this.#batch?.payloadBytes ?? 0);
  }

  get bufferedCount(): number {
    return this.#pendingCount + (this.#batch?.count ?? 0);
  }

  send(data: Uint8Array, isText: boolean): boolean {
    if (this.#ws.readyState !== WebSocket.OPEN) return false;
    const batch = (this.#batch ??= this.#wire !== null && this.#ws.extensions === '' ? new FrameBatch(this.#masked) : null);
    if (batch === null) {
      // ws keeps the buffer it is given until it has compressed and written it: a copy, as
      // the batch makes one, so the caller may reuse its buffer at once (as Godot's put_packet).
      data = Buffer.from(data);
      this.#track(data.byteLength, 1, { data, isText });
      // ws frames (and compresses) the message; ws's threshold holds only without context takeover.
      const compress = data.byteLength >= this.#compressThreshold;
      this.#ws.send(data, compress ? (isText ? TEXT_COMPRESSED : BINARY_COMPRESSED) : isText ? TEXT : BINARY, this.#written!);
      return true;
    }
    batch.append(data, isText);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      if (toFlush.push(this) === 1) void settled.then(flushAll);
    }
    return true;
  }

  /** Writes the frames waiting, corked: one write for all of them. */
  flush(): void {
    this.#flushQueued = false;
    const batch = this.#batch;
    if (batch == null || batch.count === 0) return;
    const wire = this.#wire!;
    const bytes = batch.payloadBytes;
    const count = batch.count;
    const chunks = batch.take();
    this.#track(bytes, count, chunks);
    // Closed underneath (the remote's close frame, a reset): the frames stay tracked, never
    // written, so takeUnsent() reports them instead of losing them in silence.
    if (this.#ws.readyState !== WebSocket.OPEN || wire.destroyed) return;
    const last = chunks.length - 1;
    if (wire.writableLength > 0) {
      // The socket is not draining (a remote that stopped reading): what is written now may
      // wait there for long, so a range of a chunk shared with other connections is copied
      // out, or each flush would keep a whole 16 KiB chunk for a few bytes.
      for (let i = 0; i <= last; i++) if (chunks[i]!.buffer.byteLength > 2 * chunks[i]!.length) chunks[i] = ownCopy(chunks[i]!);
    }
    if (last > 0) wire.cork();
    for (let i = 0; i < last; i++) wire.write(chunks[i]);
    wire.write(chunks[last], this.#written!);
    if (last > 0) wire.uncork();
  }

  takeUnsent(): { data: Uint8Array; isText: boolean }[] {
    const unsent: { data: Uint8Array; isText: boolean }[] = [];
    const inFlight = this.#inFlight;
    for (let i = 0; inFlight !== null && i < inFlight.length; i++) {
      const entry = inFlight.at(i)!;
      if (Array.isArray(entry)) unsent.push(...readFrames(entry));
      else unsent.push(entry as { data: Uint8Array; isText: boolean });
    }
    inFlight?.clear();
    this.#pendingSizes?.clear();
    this.#pendingCounts?.clear();
    this.#pendingBytes = 0;
    this.#pendingCount = 0;
    if (this.#batch != null && this.#batch.count > 0) unsent.push(...readFrames(this.#batch.take()));
    return unsent;
  }

  close(code: number, reason: string): void {
    this.flush(); // what was sent before close() goes before the close frame
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(code, reason);
  }

  /** Counts bytes and messages handed to the socket until its write callback runs. */
  #track(bytes: number, count: number, carried: readonly Uint8Array[] | { data: Uint8Array; isText: boolean }): void {
    const sizes = (this.#pendingSizes ??= new Queue<number>());
    const counts = (this.#pendingCounts ??= new Queue<number>());
    const inFlight = (this.#inFlight ??= new Queue());
    sizes.push(bytes);
    counts.push(count);
    inFlight.push(carried);
    this.#pendingBytes += bytes;
    this.#pendingCount += count;
    // Write callbacks run in order. One with an error, or one run because the socket was
    // destroyed (Node then calls it without an error), leaves its messages unsent.
    this.#written ??= (error) => {
      if (error != null || this.#socket?.destroyed === true) return;
      inFlight.shift();
      this.#pendingBytes -= sizes.shift() ?? 0;
      this.#pendingCount -= counts.shift() ?? 0;
    };
  }

  terminate(): void {
    // The batch is kept: what it holds was never written, and takeUnsent() reports it.
    this.#ws.terminate();
  }

  ping(): boolean {
    this.flush();
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.ping();
    return true;
  }

  pauseReading(): void {
    this.#ws.pause();
  }

  resumeReading(): void {
    this.#ws.resume();
  }

  setNoDelay(enabled: boolean): void {
    this.#noDelay = enabled;
    this.#socket?.setNoDelay(enabled);
  }
}

/** Opens a client connection with ws. Throws only for arguments ws itself refuses. */
export function connectWithWs(request: ClientRequest, sink: TransportSink): Transport {
  const headers: Record<string, string> = {};
  for (const { name, value } of request.headers) {
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  const options: WebSocket.ClientOptions = {
    maxPayload: request.maxPayload,
    maxFragments: maxFragmentsFor(request.maxPayload),
    perMessageDeflate: deflateOptions(request.perMessageDeflate),
    headers,
    followRedirects: false,
    autoPong: false, // WsTransport answers pings (see its ping-flood guard)
  };
  const tls = request.url.protocol === 'wss:' ? request.tls : null;
  if (tls !== null) {
    if (tls.trustedCa !== undefined) options.ca = toPem(tls.trustedCa);
    // As Godot's TLSContextMbedTLS::init_client: an unsafe client skips the chain check only
    // when it was given no CA, and never checks the name; an override is also the SNI name.
    // ws hands these options to tls.connect; @types/ws declares a different signature.
    const tlsOptions = options as { checkServerIdentity?: unknown; servername?: string };
    const expectedName = tls.commonNameOverride;
    if (tls.mode === 'client-unsafe') {
      if (tls.trustedCa === undefined) options.rejectUnauthorized = false;
      tlsOptions.checkServerIdentity = (): undefined => undefined;
    } else if (typeof expectedName === 'string' && expectedName !== '') {
      tlsOptions.checkServerIdentity = (_host: string, cert: PeerCertificate): Error | undefined =>
        checkServerIdentity(expectedName, cert);
      if (isIP(expectedName) === 0) tlsOptions.servername = expectedName;
    }
  }
  const ws = new GodotWireWebSocket(request.url, request.protocols, options);
  return new WsTransport(ws, sink, null, request.noDelay, {
    deflate: request.perMessageDeflate,
    maxPendingPongs: request.maxPendingPongs,
    protocols: request.protocols,
  });
}

