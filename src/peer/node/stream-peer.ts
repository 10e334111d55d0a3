// Godot's StreamPeerTCP / StreamPeerTLS, reduced to what a WebSocket server needs: a
// connection taken from TCPServer, optionally wrapped in TLS, handed to
// WebSocketPeer.acceptStream(). Each stream can be handed over once.
import { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { ErrorCode } from '../constants.js';
import { TLSOptions } from '../tls-options.js';
import { toPem } from './pem.js';

/** @internal The socket a stream carries, for the server handshake (src/peer/node/accept.ts). */
export interface ClaimedStream {
  /** What HTTP and WebSocket frames are read from: the TCP socket or the TLS socket over it. */
  socket: Socket;
  /** The TCP socket underneath (addresses, Nagle). */
  tcp: Socket;
  secure: boolean;
}

const ignoreError = (): void => {};

let claimTcp: (stream: StreamPeerTCP) => Socket | null;
let isTcpClaimed: (stream: StreamPeerTCP) => boolean;

/**
 * A TCP connection accepted by `TCPServer` (Godot's `StreamPeerTCP`). Hand it to
 * `WebSocketPeer.acceptStream()` or `StreamPeerTLS.acceptStream()`; either takes it over.
 */
export class StreamPeerTCP {
  readonly #socket: Socket;
  readonly #host: string;
  readonly #port: number;
  #claimed = false;

  static {
    claimTcp = (stream) => {
      if (stream.#claimed) return null;
      stream.#claimed = true;
      return stream.#socket;
    };
    isTcpClaimed = (stream) => stream.#claimed;
  }

  /**
   * Wraps a connected `net.Socket` (normally done by `TCPServer.takeConnection()`); anything
   * else (a socket that never connected) throws a TypeError. The parameter's type names what
   * is used of it, so the declarations need no Node types.
   */
  constructor(socket: {
    readonly remoteAddress?: string | undefined;
    readonly remotePort?: number | undefined;
    readonly localPort?: number | undefined;
    on(event: 'error', listener: (error: Error) => void): unknown;
    setNoDelay(noDelay?: boolean): unknown;
    destroy(): unknown;
  }) {
    // Never connected: it could only ever fail later, far from this call.
    if (!isNetSocket(socket) || isUnconnected(socket)) {
      throw new TypeError('StreamPeerTCP: socket must be a connected net.Socket (normally made by TCPServer.takeConnection())');
    }
    this.#socket = socket;
    // Read now: once TLS takes the socket's handle over, node can no longer ask the OS.
    this.#host = socket.remoteAddress ?? '';
    this.#port = socket.remotePort ?? 0;
    socket.on('error', ignoreError); // a reset while nobody reads must not crash the process
  }

  getConnectedHost(): string {
    return this.#host;
  }

  getConnectedPort(): number {
    return this.#port;
  }

  getLocalPort(): number {
    return this.#socket.localPort ?? 0;
  }

  /** Disables Nagle's algorithm (Godot's default for WebSocket connections) or re-enables it. */
  setNoDelay(enabled: boolean): void {
    this.#socket.setNoDelay(Boolean(enabled));
  }

  /** Closes the connection at once. */
  disconnectFromHost(): void {
    this.#socket.destroy();
  }
}

let claimTls: (stream: StreamPeerTLS) => ClaimedStream | null;
let tlsStatus: (stream: StreamPeerTLS) => ErrorCode;

/** Secure contexts are costly to build; one per TLSOptions object is enough. */
const contexts = new WeakMap<TLSOptions, SecureContext>();

function secureContextFor(options: TLSOptions): SecureContext | null {
  let context = contexts.get(options);
  if (context === undefined) {
    try {
      context = createSecureContext({ key: toPem(options.key), cert: toPem(options.cert) });
    } catch {
      return null; // unreadable PEM, or a key that does not match the certificate
    }
    contexts.set(options, context);
  }
  return context;
}

/** Whether `options` are server options whose key and certificate node can load. */
export function isUsableServerTls(options: unknown): options is TLSOptions {
  return options instanceof TLSOptions && options.isServer() && secureContextFor(options) !== null;
}

/**
 * The server side of a TLS connection (Godot's `StreamPeerTLS.accept_stream`). The TLS
 * handshake runs once the stream is read, i.e. after `WebSocketPeer.acceptStream()`;
 * a failed handshake shows there as CLOSED with close code -1.
 */
export class StreamPeerTLS {
  #stream: ClaimedStream | null = null;
  #claimed = false;

  static {
    claimTls = (stream) => {
      if (stream.#stream === null || stream.#claimed) return null;
      stream.#claimed = true;
      return stream.#stream;
    };
    // Nothing accepted yet: not a usable stream. Handed to a peer already: busy.
    tlsStatus = (stream) => {
      if (stream.#stream === null) return ErrorCode.ERR_INVALID_PARAMETER;
      return stream.#claimed ? ErrorCode.ERR_ALREADY_IN_USE : ErrorCode.OK;
    };
  }

  /**
   * Wraps `stream` in TLS with `TLSOptions.server(key, cert)`. ERR_INVALID_PARAMETER for
   * anything but a StreamPeerTCP and loadable server options; ERR_ALREADY_IN_USE when this
   * object or the TCP stream was used already.
   */
  acceptStream(stream: StreamPeerTCP, options: TLSOptions): ErrorCode {
    if (!(stream instanceof StreamPeerTCP) || !isUsableServerTls(options)) return ErrorCode.ERR_INVALID_PARAMETER;
    if (this.#stream !== null || isTcpClaimed(stream)) return ErrorCode.ERR_ALREADY_IN_USE;
    const tcp = claimTcp(stream)!;
    const socket = new TLSSocket(tcp, { isServer: true, secureContext: secureContextFor(options)! });
    socket.on('error', ignoreError); // handshake failures end in 'close', which the peer reports
    this.#stream = { socket, tcp, secure: true };
    return ErrorCode.OK;
  }

  /** Closes the connection at once. */
  disconnectFromHost(): void {
    this.#stream?.socket.destroy();
  }
}

/**
 * What `WebSocketPeer.acceptStream()` may take: a StreamPeerTCP or StreamPeerTLS not used
 * before, or a raw connected `net.Socket` (a convenience). Checks without taking.
 * @internal
 */
export function checkStream(stream: unknown): ErrorCode {
  if (stream instanceof StreamPeerTCP) return isTcpClaimed(stream) ? ErrorCode.ERR_ALREADY_IN_USE : ErrorCode.OK;
  if (stream instanceof StreamPeerTLS) return tlsStatus(stream);
  if (isNetSocket(stream)) {
    if (rawSockets.has(stream)) return ErrorCode.ERR_ALREADY_IN_USE;
    // A socket that never connected (or is still connecting) carries no client: nothing would
    // ever arrive and the peer would stay CONNECTING. One that connected and is gone already is
    // fine: the peer reports it CLOSED (-1) at its next poll.
    return isUnconnected(stream) ? ErrorCode.ERR_INVALID_PARAMETER : ErrorCode.OK;
  }
  return ErrorCode.ERR_INVALID_PARAMETER;
}

function isUnconnected(socket: Socket): boolean {
  return socket.connecting || (!socket.destroyed && socket.remoteAddress === undefined);
}

/** Raw sockets already handed to a peer (the convenience form has no wrapper to mark). */
const rawSockets = new WeakSet<Socket>();

/** @internal Takes the stream over; call only after checkStream() returned OK. */
export function claimStream(stream: unknown): ClaimedStream | null {
  if (stream instanceof StreamPeerTCP) {
    const socket = claimTcp(stream);
    return socket === null ? null : { socket, tcp: socket, secure: false };
  }
  if (stream instanceof StreamPeerTLS) return claimTls(stream);
  if (isNetSocket(stream)) {
    if (rawSockets.has(stream)) return null;
    rawSockets.add(stream);
    stream.on('error', ignoreError);
    return { socket: stream, tcp: stream, secure: stream instanceof TLSSocket };
  }
  return null;
}

function isNetSocket(value: unknown): value is Socket {
  return value instanceof Socket;
}

