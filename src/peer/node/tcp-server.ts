// Godot's TCPServer on node:net. Node binds asynchronously, so listen() checks its
// arguments and returns at once; ready() tells how the bind went (OK once bound, else the bind error).
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { ErrorCode } from '../constants.js';
import { kOnConnection } from '../internal.js';
import { Queue } from '../queue.js';
import { StreamPeerTCP } from './stream-peer.js';

/**
 * Connections accepted but not yet taken. Godot leaves them in the kernel's backlog; node
 * accepts at once, so the queue is bounded here instead and extra connections are refused.
 */
const MAX_PENDING_CONNECTIONS = 1024;

/** @internal Godot's TCPServer reports every bind failure as ERR_ALREADY_IN_USE; rxpeer says why. */
export function bindErrorCode(error: NodeJS.ErrnoException): ErrorCode {
  switch (error.code) {
    case 'EADDRINUSE':
      return ErrorCode.ERR_ALREADY_IN_USE;
    case 'EACCES':
    case 'EPERM':
      return ErrorCode.ERR_UNAUTHORIZED;
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
      return ErrorCode.ERR_UNAVAILABLE;
    default:
      return ErrorCode.FAILED;
  }
}

/** A TCP listener whose accepted connections wait in a queue until taken (Node only). */
export class TCPServer {
  #server: Server | null = null;
  #ready: Promise<ErrorCode> | null = null;
  #settle: ((result: ErrorCode) => void) | null = null;
  #listening = false;
  #port = 0;
  readonly #pending = new Queue<Socket>();
  #onConnection: (() => void) | null = null;

  /**
   * Starts listening on `port` (0 = any free port) at `bindAddress` ("*" = every
   * interface, else an IPv4 or IPv6 address). Returns ERR_INVALID_PARAMETER for a bad
   * port or address, ERR_ALREADY_IN_USE when already listening (or binding), else OK;
   * the bind completes asynchronously, see `ready()`.
   */
  listen(port: number, bindAddress = '*'): ErrorCode {
    if (!Number.isInteger(port) || port < 0 || port > 65535) return ErrorCode.ERR_INVALID_PARAMETER;
    if (typeof bindAddress !== 'string' || (bindAddress !== '*' && isIP(bindAddress) === 0)) {
      return ErrorCode.ERR_INVALID_PARAMETER;
    }
    if (this.#server !== null) return ErrorCode.ERR_ALREADY_IN_USE;

    const server = createServer();
    this.#server = server;
    this.#ready = new Promise<ErrorCode>((resolve) => {
      this.#settle = resolve;
    });
    server.on('listening', () => {
      // stop() came first; node had no socket to close yet, so close it now.
      if (this.#server !== server) return void server.close();
      this.#listening = true;
      const address = server.address();
      this.#port = typeof address === 'object' && address !== null ? address.port : 0;
      this.#settleReady(ErrorCode.OK);
    });
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (this.#server !== server || this.#listening) return; // accept errors: node keeps listening
      this.#server = null; // a failed bind leaves the server free for another listen()
      this.#settleReady(bindErrorCode(error));
    });
    server.on('connection', (socket) => this.#queue(socket));
    // "*" lets node pick "::" with IPv4 mapped in (or 0.0.0.0 without IPv6), as Godot does.
    server.listen(bindAddress === '*' ? { port } : { port, host: bindAddress });
    return ErrorCode.OK;
  }

  /**
   * OK once bound, or why the bind failed (ERR_ALREADY_IN_USE for a port in use,
   * ERR_UNAUTHORIZED for a privileged port, ERR_UNAVAILABLE for an address this host
   * does not have, FAILED otherwise). ERR_UNCONFIGURED without a listen(), or after
   * stop(). Never rejects.
   */
  ready(): Promise<ErrorCode> {
    return this.#ready ?? Promise.resolve(ErrorCode.ERR_UNCONFIGURED);
  }

  /** The bound port (useful after listen(0)); 0 until ready() resolved with OK. */
  getLocalPort(): number {
    return this.#port;
  }

  isListening(): boolean {
    return this.#listening;
  }

  isConnectionAvailable(): boolean {
    return this.#pending.length > 0;
  }

  /** The oldest connection not yet taken, or null. */
  takeConnection(): StreamPeerTCP | null {
    const socket = this.#pending.shift();
    if (socket === undefined) return null;
    const stream = new StreamPeerTCP(socket);
    // The stream peer guards the socket from now on: one listener, not two, for its whole life.
    socket.removeListener('error', ignoreError);
    return stream;
  }

  /**
   * Stops listening and drops the connections not yet taken. Connections already taken
   * stay open. The server can listen() again afterwards.
   */
  stop(): void {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    if (server.listening) server.close();
    this.#listening = false;
    this.#port = 0;
    for (let socket = this.#pending.shift(); socket !== undefined; socket = this.#pending.shift()) {
      socket.destroy();
    }
    this.#settleReady(ErrorCode.ERR_UNCONFIGURED);
    this.#ready = null;
  }

  /** @internal Internal: `callback` runs whenever a connection is queued (null removes it). */
  [kOnConnection](callback: (() => void) | null): void {
    this.#onConnection = callback;
  }

  #queue(socket: Socket): void {
    socket.on('error', ignoreError); // a reset while queued must not crash the process
    if (this.#pending.length >= MAX_PENDING_CONNECTIONS) return void socket.destroy();
    this.#pending.push(socket);
    this.#onConnection?.();
  }

  #settleReady(result: ErrorCode): void {
    const settle = this.#settle;
    this.#settle = null;
    settle?.(result);
  }
}

function ignoreError(): void {}
