// Server side of WebSocketPeer.acceptStream() in Node. The accepted socket is handed to
// an http.Server that never listens (node's HTTP parser does the reading); its 'upgrade'
// event is checked as Godot checks a request, then ws completes the handshake and a
// WsTransport takes over. Every way the handshake can fail ends in the socket's 'close',
// which the peer sees as CLOSED with close code -1 (the client got an HTTP error where there was one to send).
//
// Both servers are shared, as one ws WebSocketServer shares its HTTP server: one parser for
// every accepted stream (its events name the socket they are about), and one ws server per
// combination of ws options (payload limit, compression), with the subprotocol and extra
// headers of each handshake looked up by its request. A server per connection cost more
// than the rest of the handshake.
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE_CODE_ABNORMAL, ErrorCode } from '../constants.js';
import type { Refusal, UpgradeRequest } from '../handshake.js';
import type { AttachRequest, TransportSettings } from '../internal.js';
import type { Transport, TransportSink } from '../transport.js';
import { checkStream, claimStream, type ClaimedStream } from './stream-peer.js';
import { checkUpgradeRequest, describeRequest } from './upgrade-request.js';
import { deflateOptions, GodotWireWebSocket, maxFragmentsFor, WsTransport } from './ws-transport.js';

/** A StreamPeerTCP, StreamPeerTLS or raw net.Socket, ready for the server handshake. */
export function acceptNodeStream(stream: unknown): Pick<AttachRequest, 'open'> | ErrorCode {
  const status = checkStream(stream);
  if (status !== ErrorCode.OK) return status;
  return {
    open(sink, settings) {
      const claimed = claimStream(stream);
      if (claimed === null) throw new Error('stream already taken'); // the peer answers ERR_INVALID_PARAMETER
      return new ServerTransport(claimed, sink, settings, null);
    },
  };
}

/**
 * A request an HTTP(S) server already parsed (its 'upgrade' event), for the server
 * handshake on `socket`. The socket must not have been written to.
 */
export function acceptParsedUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Pick<AttachRequest, 'open'> {
  return {
    open(sink, settings) {
      const tcp = socket as Socket;
      socket.on('error', ignoreError); // a reset must not crash the process; 'close' reports it
      const secure = (socket as { encrypted?: boolean }).encrypted === true;
      return new ServerTransport({ socket: tcp, tcp, secure }, sink, settings, { request, head });
    },
  };
}

const ignoreError = (): void => {};

/**
 * Before the handshake completes it owns the socket; afterwards it forwards to a WsTransport
 * and lets go of everything the handshake needed (it lives as long as the connection).
 */
class ServerTransport implements Transport {
  /** Null once ws took over (or the socket closed first). */
  #stream: ClaimedStream | null;
  #sink: TransportSink | null;
  #settings: TransportSettings | null;
  /** The socket's 'close' listener while the handshake runs: removed at the hand-over. */
  #onSocketClose: (() => void) | null;
  #noDelay: boolean;
  #ws: WsTransport | null = null;
  /** Why the handshake failed, for the peer's close cause. */
  #cause = 'the client closed the connection before completing the handshake';

  constructor(stream: ClaimedStream, sink: TransportSink, settings: TransportSettings, parsed: { request: IncomingMessage; head: Buffer } | null) {
    this.#stream = stream;
    this.#sink = sink;
    this.#settings = settings;
    this.#noDelay = settings.noDelay;
    const { socket, tcp } = stream;
    tcp.setNoDelay(this.#noDelay);
    const onSocketClose = (): void => this.#fail();
    this.#onSocketClose = onSocketClose;
    socket.once('close', onSocketClose);
    if (socket.destroyed) {
      // Gone before the peer took it ('close' may have been emitted already). Never report
      // from inside acceptStream(): the peer is not CONNECTING yet.
      process.nextTick(onSocketClose);
      return;
    }
    if (parsed !== null) {
      // Never from inside the peer's acceptance: it is not CONNECTING yet.
      process.nextTick(() => this.#upgrade(parsed.request, parsed.head));
      return;
    }
    ServerTransport.#parse(socket, this);
  }

  /** The handshake is over (ws took over, the close was reported, or the peer dropped it): keep nothing of it. */
  #release(): void {
    if (this.#onSocketClose !== null) this.#stream?.socket.removeListener('close', this.#onSocketClose);
    this.#onSocketClose = null;
    this.#stream = null;
    this.#sink = null;
    this.#settings = null;
  }

  /** Accepted sockets whose request the shared parser is reading, each with its transport. */
  static readonly #parsing = new WeakMap<Duplex, ServerTransport>();
  static #parser: Server | null = null;

  /** Has the shared HTTP parser read the request on `socket`; what it finds comes back to `transport`. */
  static #parse(socket: Duplex, transport: ServerTransport): void {
    ServerTransport.#parsing.set(socket, transport);
    ServerTransport.#parser ??= ServerTransport.#createParser();
    ServerTransport.#parser.emit('connection', socket);
  }

  /** The first event about a socket ends its request: the transport is looked up once. */
  static #take(socket: Duplex): ServerTransport | undefined {
    const transport = ServerTransport.#parsing.get(socket);
    ServerTransport.#parsing.delete(socket);
    return transport;
  }

  static #createParser(): Server {
    const parser = createServer();
    parser.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const transport = ServerTransport.#take(socket);
      if (transport !== undefined) transport.#upgrade(request, head);
      else socket.destroy();
    });
    parser.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const transport = ServerTransport.#take(request.socket);
      if (transport !== undefined) transport.#refused(400, 'Not a WebSocket upgrade request');
      refuseResponse(response, 'Not a WebSocket upgrade request');
    });
    parser.on('connect', (_request: IncomingMessage, socket: Duplex) => {
      const transport = ServerTransport.#take(socket);
      if (transport !== undefined) transport.#refuse('Not a WebSocket upgrade request');
      else refuse(socket, 'Not a WebSocket upgrade request');
    });
    parser.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      const transport = ServerTransport.#take(socket);
      if (error.code === 'ECONNRESET' || !socket.writable || transport === undefined) {
        if (transport !== undefined) transport.#cause = `the client reset the connection during the handshake (${error.code ?? error.message})`;
        socket.destroy();
      } else transport.#refuse('Malformed HTTP request');
    });
    return parser;
  }

  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  get bufferedCount(): number {
    return this.#ws?.bufferedCount ?? 0;
  }

  send(data: Uint8Array, isText: boolean): boolean {
    return this.#ws?.send(data, isText) ?? false;
  }

  close(code: number, reason: string): void {
    this.#ws?.close(code, reason);
  }

  terminate(): void {
    if (this.#ws !== null) return this.#ws.terminate();
    const socket = this.#stream?.socket;
    this.#release(); // the peer asked for it: nothing to report
    socket?.destroy();
  }

  ping(): boolean {
    return this.#ws?.ping() ?? true;
  }

  pauseReading(): void {
    this.#ws?.pauseReading();
  }

  resumeReading(): void {
    this.#ws?.resumeReading();
  }

  setNoDelay(enabled: boolean): void {
    this.#noDelay = enabled;
    if (this.#ws !== null) this.#ws.setNoDelay(enabled);
    else this.#stream?.tcp.setNoDelay(enabled);
  }

  #upgrade(request: IncomingMessage, head: Buffer): void {
    const stream = this.#stream;
    const settings = this.#settings;
    const sink = this.#sink;
    if (stream === null || settings === null || sink === null || stream.socket.destroyed) return;
    const { socket, tcp, secure } = stream;
    const verdict = checkUpgradeRequest(request, settings.protocols, secure);
    if (!verdict.ok) return this.#refuse(verdict.reason, verdict.headers);
    const described = describeRequest(request, verdict.offered, tcp);
    if (!settings.checkRequests) return this.#handshake(request, head, verdict.protocol, verdict.requestedUrl, described);
    // Nothing more arrives before the 101; a client that sends early is read by ws afterwards.
    socket.pause();
    let answered = false;
    sink.onRequest(described, (refusal: Refusal | null) => {
      // The sink is let go once the close was reported or the peer dropped the connection.
      if (answered || this.#sink === null || socket.destroyed) return;
      answered = true;
      if (refusal !== null) return this.#refuse(refusal.message, refusal.headers, refusal.status);
      socket.resume();
      this.#handshake(request, head, verdict.protocol, verdict.requestedUrl, described);
    });
  }

  #handshake(request: IncomingMessage, head: Buffer, protocol: string, requestedUrl: string, described: UpgradeRequest): void {
    const { socket, tcp } = this.#stream!;
    const settings = this.#settings!;
    const sink = this.#sink!;
    const server = upgraderFor(settings);
    answers.set(request, { protocol, headers: settings.headers });
    try {
      server.handleUpgrade(request, socket, head, (ws) => {
        this.#release();
        this.#ws = new WsTransport(ws, sink, tcp, this.#noDelay, {
          requestedUrl,
          request: described,
          deflate: settings.perMessageDeflate,
          wire: socket,
          maxPendingPongs: settings.maxPendingPongs,
        });
      });
    } catch {
      socket.destroy(); // ws refuses a socket it has seen before; reported through 'close'
    }
  }

  #fail(): void {
    const sink = this.#sink;
    if (sink === null) return;
    this.#release();
    sink.onClose(CLOSE_CODE_ABNORMAL, '', false, this.#cause);
  }

  /** Answers with an HTTP error and closes; the peer's close cause says which and why. */
  #refuse(reason: string, headers?: Record<string, string>, status = 400): void {
    this.#refused(status, reason);
    if (this.#stream !== null) refuse(this.#stream.socket, reason, headers, status);
  }

  #refused(status: number, reason: string): void {
    this.#cause = `handshake refused with HTTP ${status} ${STATUS_CODES[status] ?? ''}: ${reason}`;
  }
}

/** What one handshake answers that its shared ws server can't know, looked up by the request. */
const answers = new WeakMap<IncomingMessage, { protocol: string; headers: readonly { name: string; value: string }[] }>();

/**
 * ws servers (noServer) by the ws options they were made with (see upgraderFor): without
 * compression by payload limit, with it by limit and threshold.
 */
const upgraders = new Map<number | string, Upgrader>();
/** Peers with ever-changing limits must not grow the cache without bound: past this, it starts over. */
const MAX_UPGRADERS = 32;

/** The ws server that completes handshakes with these settings' ws options (made once, then shared). */
function upgraderFor(settings: TransportSettings): Upgrader {
  const { maxPayload, perMessageDeflate } = settings;
  const key = perMessageDeflate === false ? maxPayload : `${maxPayload} deflate ${perMessageDeflate.threshold ?? ''}`;
  let server = upgraders.get(key);
  if (server !== undefined) return server;
  if (upgraders.size >= MAX_UPGRADERS) upgraders.clear();
  server = createUpgrader(settings);
  upgraders.set(key, server);
  return server;
}

type Upgrader = ReturnType<typeof createUpgrader>;

function createUpgrader(settings: TransportSettings) {
  const server = new WebSocketServer<typeof GodotWireWebSocket>({
    noServer: true,
    clientTracking: false,
    // Off unless the peer asked for it (Godot negotiates no extensions).
    perMessageDeflate: deflateOptions(settings.perMessageDeflate),
    maxPayload: settings.maxPayload,
    maxFragments: maxFragmentsFor(settings.maxPayload),
    autoPong: false, // WsTransport answers pings (see its ping-flood guard)
    WebSocket: GodotWireWebSocket,
    // The protocol was picked by checkUpgradeRequest, as Godot picks it.
    handleProtocols: (_offered, request) => answers.get(request)?.protocol || false,
  });
  server.on('headers', (lines: string[], request: IncomingMessage) => {
    for (const { name, value } of answers.get(request)?.headers ?? []) lines.push(`${name}: ${value}`);
  });
  return server;
}

/** An HTTP refusal (400 by default) on a socket that has not been upgraded, then close it (the 'close' reports -1). */
function refuse(socket: Duplex, reason: string, headers: Record<string, string> = {}, status = 400): void {
  if (!socket.writable) return void socket.destroy();
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(reason)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${reason}`);
}

/** The same for a plain HTTP request, through node's response object (it closes the socket). */
function refuseResponse(response: ServerResponse, reason: string): void {
  response.writeHead(400, {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(reason),
  });
  response.end(reason);
}
