// A real `ws` server on 127.0.0.1, port 0, that records what each connection received.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type ServerOptions } from 'ws';
import { within } from './poll.js';

export interface ReceivedMessage {
  data: Buffer;
  isBinary: boolean;
}

export interface CloseEvent {
  code: number;
  reason: string;
}

/** One connection accepted by a {@link TestServer}, with everything it received. */
export class ServerConnection {
  readonly messages: ReceivedMessage[] = [];
  pings = 0;
  /** The close code and reason the server saw (1006 when no close frame arrived). */
  readonly closed: Promise<CloseEvent>;
  #messageWaiters: (() => void)[] = [];

  constructor(
    readonly ws: WebSocket,
    readonly request: IncomingMessage,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.messages.push({ data, isBinary });
      const waiters = this.#messageWaiters;
      this.#messageWaiters = [];
      for (const resolve of waiters) resolve();
    });
    ws.on('ping', () => this.pings++);
    ws.on('error', () => {}); // protocol errors end in 'close' too
    this.closed = new Promise((resolve) =>
      ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Resolves once `count` messages have been received in total (bounded by a watchdog). */
  async received(count: number): Promise<ReceivedMessage[]> {
    while (this.messages.length < count) {
      await within(new Promise<void>((resolve) => this.#messageWaiters.push(resolve)), `message #${count} at the server`);
    }
    return this.messages.slice(0, count);
  }

  waitClosed(): Promise<CloseEvent> {
    return within(this.closed, 'the server-side close event');
  }

  /** Sends and resolves when the frame has been written to the socket. */
  send(data: string | Buffer | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.ws.send(data, { binary: typeof data !== 'string' }, (error) => (error ? reject(error) : resolve())),
    );
  }
}

export interface TestServerOptions {
  /** Options for the ws WebSocketServer (port/server are set by the helper). */
  ws?: Omit<ServerOptions, 'port' | 'server' | 'noServer' | 'host'>;
  /** Serve wss:// with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Runs for each connection as it is accepted (e.g. to echo, close or terminate). */
  onConnection?: (connection: ServerConnection) => void;
  /** Headers event of the ws server: may add lines to the 101 response. */
  onHeaders?: (headers: string[], request: IncomingMessage) => void;
}

export interface TestServer {
  readonly port: number;
  readonly wss: WebSocketServer;
  readonly http: HttpServer;
  readonly connections: ServerConnection[];
  /** `ws://127.0.0.1:port` + path (or wss:// with tls). */
  url(path?: string): string;
  /** The `index`-th connection accepted (0 = first), once it exists. */
  connection(index?: number): Promise<ServerConnection>;
  close(): Promise<void>;
}

const servers = new Set<TestServer>();

export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const http = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }) : createHttpServer();
  const wss = new WebSocketServer({ ...options.ws, server: http });
  const connections: ServerConnection[] = [];
  let waiters: (() => void)[] = [];
  wss.on('connection', (ws, request) => {
    const connection = new ServerConnection(ws, request);
    connections.push(connection);
    options.onConnection?.(connection);
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  });
  if (options.onHeaders) wss.on('headers', options.onHeaders);
  wss.on('error', () => {});
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const scheme = options.tls ? 'wss' : 'ws';
  let closing: Promise<void> | null = null;
  const server: TestServer = {
    port,
    wss,
    http,
    connections,
    url: (path = '/') => `${scheme}://127.0.0.1:${port}${path}`,
    async connection(index = 0) {
      while (connections.length <= index) {
        await within(new Promise<void>((resolve) => waiters.push(resolve)), `connection #${index + 1} at the server`);
      }
      return connections[index]!;
    },
    close() {
      closing ??= (async () => {
        servers.delete(server);
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeAllConnections();
        await closed;
        // Wait until every accepted socket is really gone (no handle left behind).
        await Promise.all(connections.map((c) => c.closed));
      })();
      return closing;
    },
  };
  servers.add(server);
  return server;
}

/** Closes every server still open (call from afterEach). */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...servers].map((server) => server.close()));
}
