// Shared by the server tests: polling with a deadline, a TCPServer-based test server that
// polls its peers in the background, raw sockets, ws clients, and certificates made with
// the openssl CLI. Every wait is bounded and fails with what it was waiting for.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ErrorCode, State, StreamPeerTLS, TCPServer, TLSOptions, WebSocketPeer, WriteMode } from 'rxpeer';
import { nextTurn, within } from './poll.js';

export { within };
export const HOST = '127.0.0.1';
const DEFAULT_DEADLINE_MS = 5000;

/** Calls `poll` until `done()` holds; throws after the deadline, naming `what`. */
export async function pollUntil(poll: () => void, done: () => boolean, what: string, deadlineMs = DEFAULT_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    poll();
    if (done()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await nextTurn(); // one event-loop turn, no fixed delay
  }
}

/** Polls `peer` until it is in `state`, recording every state seen into `seen` if given. */
export async function pollPeerUntil(peer: WebSocketPeer, state: State, seen?: State[]): Promise<void> {
  await pollUntil(
    () => {
      peer.poll();
      const now = peer.getReadyState();
      if (seen !== undefined && seen[seen.length - 1] !== now) seen.push(now);
    },
    () => peer.getReadyState() === state,
    `peer to be ${State[state]} (is ${State[peer.getReadyState()]})`,
  );
}

export async function listenTcp(server = new TCPServer()): Promise<TCPServer> {
  expect(server.listen(0, HOST)).toBe(ErrorCode.OK);
  expect(await server.ready()).toBe(ErrorCode.OK);
  return server;
}

/** Waits for the next connection on `tcp` and hands it to a new (configured) peer. */
export async function acceptPeer(tcp: TCPServer, configure: (peer: WebSocketPeer) => void = () => {}): Promise<WebSocketPeer> {
  await pollUntil(() => {}, () => tcp.isConnectionAvailable(), 'a connection');
  const peer = new WebSocketPeer();
  configure(peer);
  expect(peer.acceptStream(tcp.takeConnection()!)).toBe(ErrorCode.OK);
  expect(peer.getReadyState()).toBe(State.CONNECTING);
  return peer;
}

export interface PeerRecord {
  peer: WebSocketPeer;
  states: State[];
}

/**
 * TCPServer + WebSocketPeer.acceptStream(), as in Godot 4's WebSocket tutorial, polled every
 * millisecond in the background. Every accepted peer is echoed and its states recorded.
 */
export class PollingServer {
  readonly records: PeerRecord[] = [];
  #timer: NodeJS.Timeout | null = null;

  private constructor(
    readonly tcp: TCPServer,
    readonly port: number,
    readonly configure: (peer: WebSocketPeer) => void,
    readonly tls: TLSOptions | null,
  ) {}

  /** Listens on 127.0.0.1, port 0; `tls` wraps every connection in StreamPeerTLS first. */
  static async start({ configure = () => {}, tls = null }: { configure?: (peer: WebSocketPeer) => void; tls?: TLSOptions | null } = {}): Promise<PollingServer> {
    const tcp = await listenTcp();
    const server = new PollingServer(tcp, tcp.getLocalPort(), configure, tls);
    server.#timer = setInterval(() => server.#poll(), 1);
    return server;
  }

  url(path = '/'): string {
    return `${this.tls === null ? 'ws' : 'wss'}://${HOST}:${this.port}${path}`;
  }

  /** Resolves once `done()` holds (checked after each background poll). */
  async until(done: () => boolean, what: string): Promise<void> {
    await pollUntil(() => {}, done, what);
  }

  /** Waits until `count` peers were accepted and the last one is CLOSED; returns that one. */
  async closedPeer(count: number): Promise<PeerRecord> {
    await this.until(
      () => this.records.length >= count && this.records[count - 1]!.peer.getReadyState() === State.CLOSED,
      `peer #${count} to be CLOSED`,
    );
    return this.records[count - 1]!;
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const { peer } of this.records) peer.close(-1);
    this.tcp.stop();
  }

  #poll(): void {
    while (this.tcp.isConnectionAvailable()) {
      const peer = new WebSocketPeer();
      this.configure(peer);
      const record: PeerRecord = { peer, states: [] };
      this.records.push(record);
      const stream = this.tcp.takeConnection()!;
      if (this.tls === null) {
        expect(peer.acceptStream(stream)).toBe(ErrorCode.OK);
      } else {
        const tls = new StreamPeerTLS();
        expect(tls.acceptStream(stream, this.tls)).toBe(ErrorCode.OK);
        expect(peer.acceptStream(tls)).toBe(ErrorCode.OK);
      }
      record.states.push(peer.getReadyState());
    }
    for (const record of this.records) {
      const { peer, states } = record;
      peer.poll();
      if (states[states.length - 1] !== peer.getReadyState()) states.push(peer.getReadyState());
      while (peer.getAvailablePacketCount() > 0) {
        const packet = peer.getPacket();
        if (peer.getReadyState() === State.OPEN) peer.send(packet, peer.wasStringPacket() ? WriteMode.TEXT : WriteMode.BINARY);
      }
    }
  }
}

/** What a raw TCP client got back before the server closed the connection. */
export interface RawExchange {
  response: string;
  /** True when the server closed the connection (as opposed to our deadline). */
  closed: boolean;
}

/** Connects, writes `bytes` (if any), and collects everything until the server closes. */
export function rawExchange(port: number, bytes?: string | Buffer, { end = false } = {}): Promise<RawExchange> {
  return within(
    new Promise<RawExchange>((resolve) => {
      const socket = netConnect(port, HOST);
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('error', () => {}); // a reset after the response is still a close
      socket.on('close', () => resolve({ response: Buffer.concat(chunks).toString('latin1'), closed: true }));
      socket.on('connect', () => {
        if (bytes !== undefined) socket.write(bytes);
        if (end) socket.end();
      });
    }),
    'the server to close a raw connection',
  );
}

/** Opens a raw TCP connection and resolves once connected. */
export function rawConnect(port: number): Promise<Socket> {
  return within(
    new Promise<Socket>((resolve, reject) => {
      const socket = netConnect(port, HOST, () => resolve(socket));
      socket.once('error', reject);
    }),
    'a raw connection',
  );
}

export function closeOf(socket: Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A complete opening handshake request; `headers` replace or (with null) remove defaults. */
export function upgradeRequest(path = '/', headers: Record<string, string | null> = {}, method = 'GET'): string {
  const all: Record<string, string | null> = {
    Host: `${HOST}:1`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  const lines = Object.entries(all).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** A `ws` client with promises for its events (each with a deadline once awaited). */
export class WsClient {
  readonly ws: WebSocket;
  readonly upgradeHeaders: Promise<Record<string, string | string[] | undefined>>;
  readonly #url: string;
  readonly #opened: Promise<void>;
  readonly #closed: Promise<{ code: number; reason: string }>;
  readonly #messages: { data: Buffer; isBinary: boolean }[] = [];
  #wake: (() => void) | null = null;

  constructor(url: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}) {
    this.#url = url;
    this.ws = new WebSocket(url, protocols, options);
    this.ws.on('error', () => {}); // failures show in 'close' (1006)
    this.#opened = new Promise((resolve) => this.ws.once('open', () => resolve()));
    this.#closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.upgradeHeaders = new Promise((resolve) => this.ws.once('upgrade', (response) => resolve(response.headers)));
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.#messages.push({ data, isBinary });
      this.#wake?.();
    });
  }

  get opened(): Promise<void> {
    return within(this.#opened, `${this.#url} to open`);
  }

  get closed(): Promise<{ code: number; reason: string }> {
    return within(this.#closed, `${this.#url} to close`);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** The next message received (in order). */
  next(): Promise<{ data: Buffer; isBinary: boolean }> {
    return within(
      (async () => {
        while (this.#messages.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
        return this.#messages.shift()!;
      })(),
      'a message',
    );
  }

  /** Waits until open, then sends "ping" and expects it back from an echoing server. */
  async echoes(): Promise<this> {
    await this.opened;
    this.ws.send('ping');
    expect(String((await this.next()).data)).toBe('ping');
    return this;
  }
}

export interface Certificate {
  key: string;
  cert: string;
  dir: string;
}

/** A self-signed certificate for 127.0.0.1 / localhost, made with the openssl CLI. */
export function makeCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'rxpeer-cert-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), dir };
}

export function removeCertificate(certificate: Certificate | undefined): void {
  if (certificate !== undefined) rmSync(certificate.dir, { recursive: true, force: true });
}
