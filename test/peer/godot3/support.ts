// Shared by the Godot 3 WebSocketServer / WebSocketClient tests: a recorder of every signal
// that checks each one is delivered inside poll(), a server on 127.0.0.1 port 0, clients,
// and what is stopped after each test.
import { ErrorCode, WebSocketClient, WebSocketServer, type WebSocketClientSignals, type WebSocketServerSignals } from 'rxpeer';
import { HOST } from '../../helpers/server';

export type Recorded<T> = { [K in keyof T]: [K, ...(T[K] extends unknown[] ? T[K] : never)] }[keyof T];

/** Records every signal, and checks that each one is delivered inside poll(). */
export class Recorder<T> {
  readonly events: Recorded<T>[] = [];
  inPoll = false;
  outsidePoll: string[] = [];

  listen(target: { on(name: never, listener: never): unknown }, names: (keyof T)[]): this {
    for (const name of names) {
      target.on(name as never, ((...args: unknown[]) => {
        if (!this.inPoll) this.outsidePoll.push(String(name));
        this.events.push([name, ...args] as unknown as Recorded<T>);
      }) as never);
    }
    return this;
  }

  poll(target: { poll(): void }): void {
    this.inPoll = true;
    try {
      target.poll();
    } finally {
      this.inPoll = false;
    }
  }

  named(name: keyof T): Recorded<T>[] {
    return this.events.filter((e) => e[0] === name);
  }
}

export const SERVER_SIGNALS: (keyof WebSocketServerSignals)[] = ['client_connected', 'client_disconnected', 'client_close_request', 'data_received'];
export const CLIENT_SIGNALS: (keyof WebSocketClientSignals)[] = [
  'connection_established',
  'connection_error',
  'connection_closed',
  'server_close_request',
  'data_received',
];

export const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
export const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

let clients: WebSocketClient[] = [];
let stoppable: { stop(): void }[] = [];

/** Stopped by cleanUpGodot3(): servers and listeners a test made itself. */
export function track<T extends { stop(): void }>(thing: T): T {
  stoppable.push(thing);
  return thing;
}

/** afterEach: every client made by newClient() disconnects, every server and tracked listener stops. */
export function cleanUpGodot3(): void {
  clients.forEach((c) => c.disconnectFromHost(-1));
  stoppable.forEach((s) => s.stop());
  clients = [];
  stoppable = [];
}

export async function startServer(protocols: string[] = [], configure: (s: WebSocketServer) => void = () => {}): Promise<{ server: WebSocketServer; rec: Recorder<WebSocketServerSignals>; port: number }> {
  const server = new WebSocketServer();
  track(server);
  server.bindIp = HOST;
  configure(server);
  const rec = new Recorder<WebSocketServerSignals>().listen(server, SERVER_SIGNALS);
  expect(server.listen(0, protocols)).toBe(ErrorCode.OK);
  expect(await server.ready()).toBe(ErrorCode.OK);
  expect(server.isListening()).toBe(true);
  return { server, rec, port: server.getLocalPort() };
}

export function newClient(): { client: WebSocketClient; rec: Recorder<WebSocketClientSignals> } {
  const client = new WebSocketClient();
  clients.push(client);
  return { client, rec: new Recorder<WebSocketClientSignals>().listen(client, CLIENT_SIGNALS) };
}
