// The rxpeer side of the interop tests, through the public API only (import from 'rxpeer'),
// as a user would write it: servers (TCPServer + WebSocketPeer.acceptStream, Godot 3's
// WebSocketServer, listen()) and clients (WebSocketPeer.connectToUrl, Godot 3's
// WebSocketClient, connect()). Each connection records what it saw as lines in the
// vocabulary of harness.ts's summarize(), so both sides can be compared line by line.
import type { Subscription } from 'rxjs';
import {
  connect,
  type ConnectOptions,
  ErrorCode,
  listen,
  type ListenOptions,
  type ObservablePeer,
  State,
  TCPServer,
  WebSocketClient,
  WebSocketPeer,
  WebSocketServer,
  WriteMode,
} from 'rxpeer';
import { connectionView, type Foreign, type ForeignEvent, HOST, nextConnection, payload, type Session, type Side, until, WAIT_MS } from './harness';

const POLL_MS = 2;

/** One connection as seen from rxpeer. */
export abstract class RxConn implements Side {
  readonly lines: string[] = [];
  /** Set once the connection is over (CLOSED, or a failed handshake). */
  closed = false;
  opened = false;

  constructor(
    protected readonly t: Session,
    readonly label: string,
  ) {
    t.show(this);
  }

  saw(): string[] {
    return [...this.lines];
  }

  abstract send(message: string | Uint8Array): ErrorCode;
  abstract close(code?: number, reason?: string): ErrorCode;

  /** Waits until this side saw a line matching `match` (a line, or a test on the lines). */
  async waitFor(match: string | ((lines: string[]) => boolean), what = typeof match === 'string' ? match : 'a line', ms = WAIT_MS): Promise<void> {
    const done = typeof match === 'string' ? (lines: string[]) => lines.includes(match) : match;
    await until(() => done(this.lines), `${this.label} to see ${what}`, ms);
  }

  async waitClosed(ms = WAIT_MS): Promise<void> {
    await until(() => this.closed, `${this.label} to be closed`, ms);
  }

  /** A line of what this side saw (shown in its view and the timeline). */
  protected saw_(line: string): void {
    this.lines.push(line);
    this.t.log(this.label, line);
  }

  /** A line for the timeline only (states, sends). */
  protected note(line: string): void {
    this.t.log(this.label, line);
  }

  protected sent(message: string | Uint8Array, result: ErrorCode): ErrorCode {
    const described = typeof message === 'string' ? payload(new TextEncoder().encode(message), true) : payload(message, false);
    this.note(`send ${described} → ${ErrorCode[result]}`);
    return result;
  }
}

/** A WebSocketPeer polled Godot 4 style: states, packets (read in the same poll), close code. */
export class PeerConn extends RxConn {
  #state: State;

  constructor(
    t: Session,
    label: string,
    readonly peer: WebSocketPeer,
  ) {
    super(t, label);
    this.#state = peer.getReadyState();
    this.note(`state ${State[this.#state]}`);
  }

  poll(): void {
    if (this.closed) return;
    const peer = this.peer;
    peer.poll();
    const state = peer.getReadyState();
    if (state !== this.#state) {
      this.note(`state ${State[state]}`);
      // CONNECTING → CLOSED with a close code means the peer was OPEN in between (one poll saw both).
      if (!this.opened && (state === State.OPEN || (state !== State.CONNECTING && peer.getCloseCode() !== -1))) this.#open();
      this.#state = state;
    }
    // Packets survive the close (as in Godot): read them before reporting CLOSED.
    while (peer.getAvailablePacketCount() > 0) {
      const data = peer.getPacket();
      this.saw_(payload(data, peer.wasStringPacket()));
    }
    if (state === State.CLOSED) {
      this.closed = true;
      const code = peer.getCloseCode();
      this.saw_(this.opened ? `closed ${code} ${JSON.stringify(peer.getCloseReason())} clean=${code !== -1}` : `connection-error (closed ${code})`);
    }
  }

  send(message: string | Uint8Array): ErrorCode {
    const result = typeof message === 'string' ? this.peer.sendText(message) : this.peer.send(message, WriteMode.BINARY);
    return this.sent(message, result);
  }

  close(code?: number, reason?: string): ErrorCode {
    const result = this.peer.close(code, reason);
    this.note(`close(${code ?? ''}${reason === undefined ? '' : `, ${JSON.stringify(reason)}`}) → ${ErrorCode[result]}`);
    return result;
  }

  #open(): void {
    this.opened = true;
    this.saw_(`open ${JSON.stringify(this.peer.getSelectedProtocol())}`);
  }
}

/**
 * An ObservablePeer (listen() / connect()): state$, packets$ and close$ recorded. connect()
 * emits its socket only once OPEN, so the connection can be created first and attached then.
 */
export class ObservableConn extends RxConn {
  readonly #subscriptions: Subscription[] = [];
  #socket: ObservablePeer | null = null;

  constructor(t: Session, label: string, socket?: ObservablePeer) {
    super(t, label);
    if (socket !== undefined) this.attach(socket);
  }

  get socket(): ObservablePeer {
    if (this.#socket === null) throw new Error(`${this.label}: not connected`);
    return this.#socket;
  }

  attach(socket: ObservablePeer): void {
    this.#socket = socket;
    this.#subscriptions.push(
      socket.state$.subscribe((state) => {
        this.note(`state$ ${State[state]}`);
        if (state === State.OPEN && !this.opened) {
          this.opened = true;
          this.saw_(`open ${JSON.stringify(socket.peer.getSelectedProtocol())}`);
        }
      }),
      socket.packets$.subscribe({
        next: (packet) => this.saw_(payload(packet.data, packet.isString)),
        error: (error: Error) => this.note(`packets$ error: ${error.message}`),
        complete: () => this.note('packets$ complete'),
      }),
      socket.close$.subscribe(({ code, reason, wasClean }) => {
        this.saw_(this.opened ? `closed ${code} ${JSON.stringify(reason)} clean=${wasClean}` : `connection-error (closed ${code})`);
        this.closed = true;
      }),
    );
  }

  /** connect() failed before it emitted a socket: what a failed connect looks like on the other kinds. */
  failedToConnect(code: number): void {
    if (this.#socket !== null || this.closed) return;
    this.saw_(`connection-error (closed ${code})`);
    this.closed = true;
  }

  send(message: string | Uint8Array): ErrorCode {
    return this.sent(message, this.#socket === null ? ErrorCode.FAILED : this.#socket.send(message));
  }

  close(code?: number, reason?: string): ErrorCode {
    const result = this.#socket === null ? ErrorCode.FAILED : this.#socket.close(code, reason);
    this.note(`close(${code ?? ''}${reason === undefined ? '' : `, ${JSON.stringify(reason)}`}) → ${ErrorCode[result]}`);
    return result;
  }

  dispose(): void {
    if (!this.closed) this.#socket?.close(-1);
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
  }
}

/** A Godot 3 API connection (a WebSocketServer client id, or a WebSocketClient): its signals recorded. */
export class SignalConn extends RxConn {
  constructor(
    t: Session,
    label: string,
    readonly peer: () => WebSocketPeer | null,
  ) {
    super(t, label);
  }

  /** Signal listeners call these (inside poll(), as Godot 3 delivers them). */
  established(protocol: string): void {
    this.opened = true;
    this.saw_(`open ${JSON.stringify(protocol)}`);
  }

  data(): void {
    const peer = this.peer()!;
    this.saw_(payload(peer.getPacket(), peer.wasStringPacket()));
  }

  closeRequest(code: number, reason: string): void {
    this.saw_(`close-request ${code} ${JSON.stringify(reason)}`);
  }

  ended(wasClean: boolean): void {
    const peer = this.peer();
    this.saw_(`closed ${peer?.getCloseCode() ?? '?'} ${JSON.stringify(peer?.getCloseReason() ?? '?')} clean=${wasClean}`);
    this.closed = true;
  }

  error(): void {
    this.saw_('connection-error');
    this.closed = true;
  }

  send(message: string | Uint8Array): ErrorCode {
    const peer = this.peer();
    if (peer === null) return this.sent(message, ErrorCode.ERR_DOES_NOT_EXIST);
    const result = typeof message === 'string' ? peer.sendText(message) : peer.send(message, WriteMode.BINARY);
    return this.sent(message, result);
  }

  close(code?: number, reason?: string): ErrorCode {
    const peer = this.peer();
    const result = peer === null ? ErrorCode.ERR_DOES_NOT_EXIST : peer.close(code, reason);
    this.note(`close(${code ?? ''}${reason === undefined ? '' : `, ${JSON.stringify(reason)}`}) → ${ErrorCode[result]}`);
    return result;
  }
}

// ---- servers ----

export interface RxServer {
  readonly kind: string;
  readonly port: number;
  readonly conns: RxConn[];
  /** The `index`-th connection the server accepted (0-based), once it exists. */
  conn(index?: number): Promise<RxConn>;
}

export interface ServerOptions {
  /** Subprotocols the server accepts. */
  protocols?: string[];
  /** Applied to each accepted peer before acceptStream (TCPServer kind only). */
  configure?: (peer: WebSocketPeer) => void;
  /** listen() kind only. */
  listenOptions?: ListenOptions;
}

abstract class BaseServer implements RxServer {
  abstract readonly kind: string;
  readonly conns: RxConn[] = [];
  port = 0;

  constructor(protected readonly t: Session) {}

  async conn(index = 0): Promise<RxConn> {
    await until(() => this.conns.length > index, `${this.kind} to accept connection #${index + 1}`);
    return this.conns[index]!;
  }
}

/** Godot 4 style (the Godot 4 WebSocket tutorial): TCPServer + WebSocketPeer.acceptStream, polled on a timer. */
class AcceptStreamServer extends BaseServer {
  readonly kind = 'TCPServer + acceptStream';
  readonly #tcp = new TCPServer();
  #timer: NodeJS.Timeout | undefined;

  async start(options: ServerOptions): Promise<this> {
    expect(this.#tcp.listen(0, HOST)).toBe(ErrorCode.OK);
    expect(await this.#tcp.ready()).toBe(ErrorCode.OK);
    this.port = this.#tcp.getLocalPort();
    this.#timer = setInterval(() => {
      while (this.#tcp.isConnectionAvailable()) {
        const peer = new WebSocketPeer();
        peer.supportedProtocols = options.protocols ?? [];
        options.configure?.(peer);
        expect(peer.acceptStream(this.#tcp.takeConnection()!)).toBe(ErrorCode.OK);
        this.conns.push(new PeerConn(this.t, `rxpeer server #${this.conns.length + 1}`, peer));
      }
      for (const conn of this.conns) (conn as PeerConn).poll();
    }, POLL_MS);
    this.t.defer(() => this.stop());
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const conn of this.conns) (conn as PeerConn).peer.close(-1);
    this.#tcp.stop();
  }
}

/** Godot 3 style (the Godot 3 WebSocket tutorial): WebSocketServer with its signals, polled on a timer. */
class Godot3Server extends BaseServer {
  readonly kind = 'Godot 3 WebSocketServer';
  readonly server = new WebSocketServer();
  readonly #byId = new Map<number, SignalConn>();
  #timer: NodeJS.Timeout | undefined;

  async start(options: ServerOptions): Promise<this> {
    const server = this.server;
    server.bindIp = HOST;
    const conn = (id: number): SignalConn => this.#byId.get(id)!;
    server.on('client_connected', (id, protocol) => {
      const c = new SignalConn(this.t, `rxpeer server #${this.conns.length + 1} (id ${id})`, () => server.getPeer(id));
      this.#byId.set(id, c);
      this.conns.push(c);
      c.established(protocol);
    });
    server.on('data_received', (id) => conn(id).data());
    server.on('client_close_request', (id, code, reason) => conn(id).closeRequest(code, reason));
    server.on('client_disconnected', (id, wasClean) => conn(id).ended(wasClean));
    expect(server.listen(0, options.protocols ?? [])).toBe(ErrorCode.OK);
    expect(await server.ready()).toBe(ErrorCode.OK);
    this.port = server.getLocalPort();
    this.#timer = setInterval(() => server.poll(), POLL_MS);
    this.t.defer(() => {
      clearInterval(this.#timer);
      server.stop();
    });
    return this;
  }
}

/** The observable layer: listen() emits each client as an ObservablePeer once OPEN. */
class ListenServer extends BaseServer {
  readonly kind = 'listen()';
  #subscription: Subscription | undefined;

  async start(options: ServerOptions): Promise<this> {
    this.#subscription = listen(0, {
      bindAddress: HOST,
      protocols: options.protocols ?? [],
      ...options.listenOptions,
      onListening: (port) => (this.port = port),
    }).subscribe({
      next: (socket) => this.conns.push(new ObservableConn(this.t, `rxpeer server #${this.conns.length + 1}`, socket)),
      error: (error: Error) => this.t.log('rxpeer listen()', `error: ${error.message}`),
    });
    this.t.defer(() => {
      for (const conn of this.conns) (conn as ObservableConn).dispose();
      this.#subscription?.unsubscribe();
    });
    await until(() => this.port !== 0, 'listen() to bind');
    return this;
  }
}

export type ServerKind = 'acceptStream' | 'godot3' | 'listen';
export const SERVER_KINDS: ServerKind[] = ['acceptStream', 'godot3', 'listen'];

export function startServer(t: Session, kind: ServerKind, options: ServerOptions = {}): Promise<RxServer> {
  switch (kind) {
    case 'acceptStream':
      return new AcceptStreamServer(t).start(options);
    case 'godot3':
      return new Godot3Server(t).start(options);
    case 'listen':
      return new ListenServer(t).start(options);
  }
}

// ---- clients ----

export type ClientKind = 'WebSocketPeer' | 'WebSocketClient' | 'connect()';
export const CLIENT_KINDS: ClientKind[] = ['WebSocketPeer', 'WebSocketClient', 'connect()'];

export interface ClientOptions {
  protocols?: string[];
  /** WebSocketPeer kind: applied before connectToUrl. connect() kind: use connectOptions. */
  configure?: (peer: WebSocketPeer) => void;
  connectOptions?: ConnectOptions;
}

/** Connects one rxpeer client of `kind` to `url`; everything it sees is recorded. */
export function startClient(t: Session, kind: ClientKind, url: string, options: ClientOptions = {}): RxConn {
  const label = `rxpeer ${kind}`;
  switch (kind) {
    case 'WebSocketPeer': {
      const peer = new WebSocketPeer();
      peer.supportedProtocols = options.protocols ?? [];
      options.configure?.(peer);
      expect(peer.connectToUrl(url)).toBe(ErrorCode.OK);
      const conn = new PeerConn(t, label, peer);
      const timer = setInterval(() => conn.poll(), POLL_MS);
      t.defer(() => {
        clearInterval(timer);
        peer.close(-1);
      });
      return conn;
    }
    case 'WebSocketClient': {
      const client = new WebSocketClient();
      const conn = new SignalConn(t, label, () => client.getPeer(1));
      client.on('connection_established', (protocol) => conn.established(protocol));
      client.on('connection_error', () => conn.error());
      client.on('data_received', () => conn.data());
      client.on('server_close_request', (code, reason) => conn.closeRequest(code, reason));
      client.on('connection_closed', (wasClean) => conn.ended(wasClean));
      expect(client.connectToUrl(url, options.protocols ?? [])).toBe(ErrorCode.OK);
      const timer = setInterval(() => client.poll(), POLL_MS);
      t.defer(() => {
        clearInterval(timer);
        client.disconnectFromHost(-1);
      });
      return conn;
    }
    case 'connect()': {
      const conn = new ObservableConn(t, label);
      const subscription = connect(url, { protocols: options.protocols ?? [], ...options.connectOptions }).subscribe({
        next: (socket) => conn.attach(socket), // once OPEN
        error: (error: Error & { code?: number }) => {
          t.log(label, `connect() error: ${error.message}`);
          conn.failedToConnect(error.code ?? -1);
        },
        complete: () => t.log(label, 'connect() complete'),
      });
      t.defer(() => {
        conn.dispose();
        subscription.unsubscribe();
      });
      return conn;
    }
  }
}

/**
 * An rxpeer client of `kind` connected to a shared foreign server (Godot, Python) once its
 * handshake is done, with that server's view of this one client (shown when the test fails).
 */
export async function clientOfShared(
  t: Session,
  kind: ClientKind,
  shared: { server: Foreign; port: number },
  options: ClientOptions & { path?: string } = {},
): Promise<{ conn: RxConn; view: Side; connected: ForeignEvent }> {
  const { server, port } = shared;
  t.follow(server, { show: false }); // the view of this one client is shown instead
  const conn = startClient(t, kind, `ws://${HOST}:${port}${options.path ?? '/'}`, options);
  const connected = await nextConnection(server);
  const view = t.show(connectionView(server, connected.id));
  await conn.waitFor((lines) => lines.length > 0, 'the handshake');
  return { conn, view, connected };
}
