// Server side of WebSocketPeer.acceptStream() in Node. The accepted socket is handed to
// an http.Server that never listens (node's HTTP parser does the reading); its 'upgrade'
// event is checked as Godot checks a request, then ws completes the handshake and a
// WsTransport takes over. Every way the handshake can fail ends in the socket's 'close',
// which the peer sees as CLOSED with close code -1 (the client got an HTTP error where there was one to send).
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
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

/** Before the handshake completes it owns the socket; afterwards it forwards to a WsTransport. */
class ServerTransport implements Transport {
  readonly #stream: ClaimedStream;
  readonly #sink: TransportSink;
  readonly #settings: TransportSettings;
  #noDelay: boolean;
  #ws: WsTransport | null = null;
  /** Set once the close was reported or ws took over (ws reports from then on). */
  #handedOver = false;
  /** Why the handshake failed, for the peer's close cause. */
  #cause = 'the client closed the connection before completing the handshake';

  constructor(stream: ClaimedStream, sink: TransportSink, settings: TransportSettings, parsed: { request: IncomingMessage; head: Buffer } | null) {
    this.#stream = stream;
    this.#sink = sink;
    this.#settings = settings;
    this.#noDelay = settings.noDelay;
    const { socket, tcp } = stream;
    tcp.setNoDelay(this.#noDelay);
    socket.once('close', () => this.#fail());
    if (socket.destroyed) {
      // Gone before the peer took it ('close' may have been emitted already). Never report
      // from inside acceptStream(): the peer is not CONNECTING yet.
      process.nextTick(() => this.#fail());
      return;
    }
    if (parsed !== null) {
      // Never from inside the peer's acceptance: it is not CONNECTING yet.
      process.nextTick(() => this.#upgrade(parsed.request, parsed.head));
      return;
    }
    const http = createServer();
    http.on('upgrade', (request: IncomingMessage, _socket: Duplex, head: Buffer) => this.#upgrade(request, head));
    http.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.#refused(400, 'Not a WebSocket upgrade request');
      refuseResponse(response, 'Not a WebSocket upgrade request');
    });
    http.on('connect', () => this.#refuse('Not a WebSocket upgrade request'));
    http.on('clientError', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || !socket.writable) {
        this.#cause = `the client reset the connection during the handshake (${error.code ?? error.message})`;
        socket.destroy();
      } else this.#refuse('Malformed HTTP request');
    });
    http.emit('connection', socket);
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
    this.#handedOver = true; // the peer asked for it: nothing to report
    this.#stream.socket.destroy();
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
    else this.#stream.tcp.setNoDelay(enabled);
  }

  #upgrade(request: IncomingMessage, head: Buffer): void {
    const { socket, tcp, secure } = this.#stream;
    if (this.#handedOver || socket.destroyed) return;
    const settings = this.#settings;
    const verdict = checkUpgradeRequest(request, settings.protocols, secure);
    if (!verdict.ok) return this.#refuse(verdict.reason, verdict.headers);
    const described = describeRequest(request, verdict.offered, tcp);
    if (!settings.checkRequests) return this.#handshake(request, head, verdict.protocol, verdict.requestedUrl, described);
    // Nothing more arrives before the 101; a client that sends early is read by ws afterwards.
    socket.pause();
    let answered = false;
    this.#sink.onRequest(described, (refusal: Refusal | null) => {
      if (answered || this.#handedOver || socket.destroyed) return;
      answered = true;
      if (refusal !== null) return this.#refuse(refusal.message, refusal.headers, refusal.status);
      socket.resume();
      this.#handshake(request, head, verdict.protocol, verdict.requestedUrl, described);
    });
  }

  #handshake(request: IncomingMessage, head: Buffer, protocol: string, requestedUrl: string, described: UpgradeRequest): void {
    const { socket, tcp } = this.#stream;
    const settings = this.#settings;
    const server = new WebSocketServer<typeof GodotWireWebSocket>({
      noServer: true,
      clientTracking: false,
      // Off unless the peer asked for it (Godot negotiates no extensions).
      perMessageDeflate: deflateOptions(settings.perMessageDeflate),
      maxPayload: settings.maxPayload,
      maxFragments: maxFragmentsFor(settings.maxPayload),
      autoPong: false, // WsTransport answers pings (see its ping-flood guard)
      WebSocket: GodotWireWebSocket,
      handleProtocols: () => protocol || false,
    });
    server.on('headers', (lines: string[]) => {
      for (const { name, value } of settings.headers) lines.push(`${name}: ${value}`);
    });
    try {
      server.handleUpgrade(request, socket, head, (ws) => {
        this.#handedOver = true;
        this.#ws = new WsTransport(ws, this.#sink, tcp, this.#noDelay, {
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
    if (this.#handedOver) return;
    this.#handedOver = true;
    this.#sink.onClose(CLOSE_CODE_ABNORMAL, '', false, this.#cause);
  }

  /** Answers with an HTTP error and closes; the peer's close cause says which and why. */
  #refuse(reason: string, headers?: Record<string, string>, status = 400): void {
    this.#refused(status, reason);
    refuse(this.#stream.socket, reason, headers, status);
  }

  #refused(status: number, reason: string): void {
    this.#cause = `handshake refused with HTTP ${status} ${STATUS_CODES[status] ?? ''}: ${reason}`;
  }
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
