// An in-memory network for WebSocketMultiplayerPeer: servers listen on numbered ports,
// clients connect by URL, and every connection is a pair of MemoryEnds. No sockets, no
// timers: fully deterministic, so whole games run in virtual time (TestScheduler).
import { ErrorCode } from '../constants.js';
import { kAttachTransport } from '../internal.js';
import { MemoryEnd, refuseInMemory } from '../memory/memory-transport.js';
import type { Transport } from '../transport.js';
import { parseWebSocketUrl } from '../validation.js';
import { WebSocketPeer } from '../websocket-peer.js';
import type { ConnectionListener, IncomingConnection, MultiplayerBackend } from './backend.js';
import { WebSocketMultiplayerPeer } from './websocket-multiplayer-peer.js';
import { describeValue } from '../describe-value.js';

/** Ports handed out for `createServer(0)`, as an OS picks ephemeral ones. */
const FIRST_EPHEMERAL_PORT = 49152;

/** A connection that never completes its handshake (a half-open socket). */
export interface HalfOpenConnection {
  /** True once the server dropped it (handshake timeout, refused, server stopped). */
  readonly dropped: boolean;
}

/** A plain server: each connection arrives as a WebSocketPeer you drive yourself. */
export interface RawMemoryListener {
  readonly port: number;
  /** The oldest client connection as a server-side WebSocketPeer (OPEN after its first poll()), or null. */
  take(): WebSocketPeer | null;
  stop(): void;
}

class MemoryListener implements ConnectionListener {
  readonly #queue: IncomingConnection[] = [];
  #onConnection: (() => void) | null = null;
  #stopped = false;
  readonly #release: () => void;

  constructor(
    readonly port: number,
    release: () => void,
  ) {
    this.#release = release;
  }

  ready(): Promise<ErrorCode> {
    return Promise.resolve(this.#stopped ? ErrorCode.ERR_UNCONFIGURED : ErrorCode.OK);
  }

  getLocalPort(): number {
    return this.#stopped ? 0 : this.port;
  }

  take(): IncomingConnection | null {
    return this.#queue.shift() ?? null;
  }

  onConnection(callback: (() => void) | null): void {
    this.#onConnection = callback;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#release();
    for (const incoming of this.#queue.splice(0)) incoming.refuse();
    this.#onConnection = null;
  }

  enqueue(incoming: IncomingConnection): void {
    this.#queue.push(incoming);
    this.#onConnection?.();
  }
}

/** The server half of a connection that never opens: it only learns that it was dropped. */
class HalfOpenTransport implements Transport {
  dropped = false;
  readonly bufferedAmount = 0;
  readonly bufferedCount = 0;
  send(): boolean {
    return false;
  }
  close(): void {}
  terminate(): void {
    this.dropped = true;
  }
  ping(): boolean {
    return true;
  }
  pauseReading(): void {}
  resumeReading(): void {}
  setNoDelay(): void {}
}

/**
 * Servers and clients joined in memory. `createPeer()` makes a WebSocketMultiplayerPeer whose
 * `createServer(port)` listens on this network and whose `createClient('ws://host:port/')`
 * connects through it (the host is ignored; no listener on the port → the connection fails).
 * Servers give ids 2, 3, 4, … in order, so runs are reproducible.
 */
export class MemoryNetwork {
  readonly #listeners = new Map<number, MemoryListener>();
  #nextPort = FIRST_EPHEMERAL_PORT;
  #nextId = 2;

  readonly #backend: MultiplayerBackend = {
    listen: (port, _bindAddress, _tls) => this.#listen(port),
    connect: (peer, url) => this.#connect(peer, url),
    newId: (isTaken) => {
      while (isTaken(this.#nextId)) this.#nextId++;
      return this.#nextId++;
    },
  };

  /** A multiplayer peer on this network. */
  createPeer(): WebSocketMultiplayerPeer {
    return new WebSocketMultiplayerPeer(this.#backend);
  }

  /** Opens a connection to `url` that never sends its handshake (a client gone silent). */
  connectHalfOpen(url: string): HalfOpenConnection {
    const listener = this.#listenerFor(url);
    const transport = new HalfOpenTransport();
    listener?.enqueue({
      accept: (peer) => peer[kAttachTransport]({ requestedUrl: url, open: () => transport }),
      refuse: () => transport.terminate(),
    });
    if (listener === undefined) transport.terminate();
    return transport;
  }

  /** Listens on `port` (0 = a free one) without a multiplayer peer: a scripted server for client tests. */
  listenRaw(port: number): RawMemoryListener {
    const listener = this.#listen(port);
    if (typeof listener === 'number') throw new RangeError(`listenRaw: port ${describeValue(port)} is ${ErrorCode[listener]}`);
    return {
      port: listener.port,
      take: () => {
        const incoming = listener.take();
        if (incoming === null) return null;
        const peer = new WebSocketPeer();
        return incoming.accept(peer) === ErrorCode.OK ? peer : null;
      },
      stop: () => listener.stop(),
    };
  }

  #listen(port: number): MemoryListener | ErrorCode {
    if (!Number.isInteger(port) || port < 0 || port > 65535) return ErrorCode.ERR_INVALID_PARAMETER;
    if (port === 0) {
      while (this.#listeners.has(this.#nextPort)) this.#nextPort++;
      port = this.#nextPort++;
    }
    if (this.#listeners.has(port)) return ErrorCode.ERR_ALREADY_IN_USE;
    const listener = new MemoryListener(port, () => {
      if (this.#listeners.get(port) === listener) this.#listeners.delete(port);
    });
    this.#listeners.set(port, listener);
    return listener;
  }

  #listenerFor(url: string): MemoryListener | undefined {
    const parsed = parseWebSocketUrl(url);
    if (parsed === null) return undefined;
    const port = parsed.port === '' ? (parsed.protocol === 'wss:' ? 443 : 80) : Number(parsed.port);
    return this.#listeners.get(port);
  }

  #connect(peer: WebSocketPeer, url: string): ErrorCode {
    if (parseWebSocketUrl(url) === null) return ErrorCode.ERR_INVALID_PARAMETER;
    const listener = this.#listenerFor(url);
    if (listener === undefined) {
      refuseInMemory(peer, url);
      return ErrorCode.OK;
    }
    // The client waits, CONNECTING, until the server's poll() accepts the connection.
    const clientEnd = new MemoryEnd();
    const error = peer[kAttachTransport]({ requestedUrl: url, open: (sink) => clientEnd.attach(sink, false) });
    if (error !== ErrorCode.OK) return error;
    listener.enqueue({
      accept(serverPeer) {
        if (clientEnd.gone) return ErrorCode.ERR_CONNECTION_ERROR; // the client gave up meanwhile
        const serverEnd = new MemoryEnd();
        serverEnd.other = clientEnd;
        clientEnd.other = serverEnd;
        const attached = serverPeer[kAttachTransport]({ requestedUrl: url, open: (sink) => serverEnd.attach(sink) });
        if (attached === ErrorCode.OK) clientEnd.open();
        else serverEnd.terminate();
        return attached;
      },
      refuse() {
        // The client sees the connection fail (CLOSED, -1) at its next poll().
        const serverEnd = new MemoryEnd();
        serverEnd.other = clientEnd;
        clientEnd.other = serverEnd;
        serverEnd.terminate();
      },
    });
    return ErrorCode.OK;
  }
}

/** A fresh in-memory network (see {@link MemoryNetwork}). */
export function createMemoryNetwork(): MemoryNetwork {
  return new MemoryNetwork();
}
