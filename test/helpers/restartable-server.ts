// A `ws` server on 127.0.0.1 that can be stopped and started again on the same port, as a
// deploy restarts one: stop() drops its clients without a close frame.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { config } from 'rxjs';
import WebSocket, { WebSocketServer } from 'ws';
import { within } from './poll.js';

export interface RestartableServer {
  readonly port: number;
  /** `ws://127.0.0.1:port` + path. */
  url(path?: string): string;
  /** Every message each connection received, one array per connection, in order of connection. */
  readonly received: string[][];
  /** The connections currently open. */
  clients(): WebSocket[];
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Resolves once `condition` holds, checked at each connection, message and close (bounded by a watchdog). */
  until(condition: () => boolean, what: string): Promise<void>;
}

export async function restartableServer(onConnection: (ws: WebSocket, index: number) => void = () => {}): Promise<RestartableServer> {
  let http: Server | null = null;
  let wss: WebSocketServer | null = null;
  const received: string[][] = [];
  let port = 0;
  let waiters: (() => void)[] = [];
  const changed = (): void => {
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  const start = async (): Promise<void> => {
    const server = createServer();
    http = server;
    wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => {
      const messages: string[] = [];
      const index = received.push(messages) - 1;
      ws.on('message', (data) => {
        messages.push(data.toString());
        changed();
      });
      ws.on('error', () => {});
      ws.on('close', changed);
      onConnection(ws, index);
      changed();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const stop = async (): Promise<void> => {
    const [server, sockets] = [http, wss];
    if (server === null || sockets === null) return;
    http = null;
    wss = null;
    for (const client of sockets.clients) client.terminate();
    await new Promise<void>((resolve) => sockets.close(() => resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await start();
  return {
    get port() {
      return port;
    },
    url: (path = '/') => `ws://127.0.0.1:${port}${path}`,
    received,
    clients: () => [...(wss?.clients ?? [])],
    stop,
    start,
    async until(condition, what) {
      while (!condition()) await within(new Promise<void>((resolve) => waiters.push(resolve)), what);
    },
  };
}

/**
 * For a test file of examples: servers started with the returned `serve` are stopped after
 * each test, and a stream that errored with nobody listening fails the test.
 */
export function useExampleServers(): (onConnection?: Parameters<typeof restartableServer>[0]) => Promise<RestartableServer> {
  let unhandled: unknown[] = [];
  let servers: RestartableServer[] = [];
  beforeEach(() => {
    unhandled = [];
    servers = [];
    config.onUnhandledError = (error) => unhandled.push(error);
  });
  afterEach(async () => {
    config.onUnhandledError = null;
    for (const server of servers) await server.stop();
    expect(unhandled).toEqual([]);
  });
  return async (onConnection) => {
    const server = await restartableServer(onConnection);
    servers.push(server);
    return server;
  };
}
