// The README's Godot-style examples (the polled peer, the servers, multiplayer), run as
// written (only the fixed port is swapped for a free one), each with the failure its users
// meet first: the server drops the connection, a client is killed mid-stream, the server
// goes away.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { config } from 'rxjs';
import {
  ConnectionStatus,
  fromMultiplayerPeer,
  type TCPServer,
  type WebSocketPeer,
  type WebSocketServer as GodotWebSocketServer,
  WebSocketMultiplayerPeer,
} from 'rxpeer';
import WebSocket from 'ws';
import { within } from '../helpers/poll.js';
import { readmeBlock, runExample } from '../helpers/readme.js';
import { closeAllServers, startServer } from '../helpers/ws-server.js';

let unhandled: unknown[];
beforeEach(() => {
  unhandled = [];
  config.onUnhandledError = (error) => unhandled.push(error);
});
afterEach(async () => {
  config.onUnhandledError = null;
  await closeAllServers();
  expect(unhandled).toEqual([]);
});

/** A port nothing listens on right now (for examples that connect to a fixed port). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A ws client of an example's server, with what it received and its close. */
async function client(port: number, protocols: string[]): Promise<{ ws: WebSocket; received: string[]; next(): Promise<string>; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, protocols);
  const received: string[] = [];
  let waiters: ((message: string) => void)[] = [];
  ws.on('message', (data) => {
    received.push(data.toString());
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve(data.toString());
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await within(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 'client open');
  return { ws, received, next: () => within(new Promise((resolve) => waiters.push(resolve)), 'the echo'), closed };
}

describe('README: The peer, Godot-style', () => {
  it('prints text and binary packets, then the unclean close once, and stops its loop', async () => {
    const server = await startServer({
      onConnection: (c) => {
        void c.send('hello').then(() => c.send(new Uint8Array([1, 2, 3]))).then(() => c.ws.terminate()); // then a drop
      },
    });
    const example = runExample<{ loop: NodeJS.Timeout }>(readmeBlock('## The peer, Godot-style', 'connectToUrl'), {
      replace: { '9080': String(server.port) },
      bindings: ['loop'],
    });
    try {
      await within(example.logged(/^WebSocket closed/), 'the close', 10_000);
      expect(example.logs).toEqual(['hello', '[1,2,3]', 'WebSocket closed with code: -1. Clean: false']);
    } finally {
      clearInterval(example.bindings.loop);
    }
  });
});

describe('README: Servers', () => {
  it('TCPServer + acceptStream: the echo keeps serving the others when one client is killed mid-stream', async () => {
    const example = runExample<{ server: TCPServer; loop: NodeJS.Timeout; peers: Map<number, WebSocketPeer> }>(
      readmeBlock('## Servers', 'new TCPServer()'),
      { replace: { 'server.listen(9080)': 'server.listen(0)' }, bindings: ['server', 'loop', 'peers'] },
    );
    const { server, loop, peers } = await within(example.done, 'listening');
    const clients: WebSocket[] = [];
    try {
      const [a, doomed, c] = [await client(server.getLocalPort(), ['chat']), await client(server.getLocalPort(), ['chat']), await client(server.getLocalPort(), ['chat'])];
      clients.push(a.ws, doomed.ws, c.ws);
      doomed.ws.send('half a conversation');
      doomed.ws.terminate();
      await doomed.closed;
      for (const [i, other] of [a, c].entries()) {
        other.ws.send(`still here ${i}`);
        expect(await other.next()).toBe(`still here ${i}`);
      }
      a.ws.send(new Uint8Array([7, 8]));
      await a.next();
      expect(a.received).toEqual(['still here 0', '\u0007\u0008']);
    } finally {
      clearInterval(loop);
      for (const ws of clients) ws.terminate();
      for (const peer of peers.values()) peer.close(-1);
      server.stop();
    }
  });

  it('Godot 3 WebSocketServer: signals for a killed client, the others still echoed', async () => {
    const example = runExample<{ server: GodotWebSocketServer; loop: NodeJS.Timeout }>(readmeBlock('## Servers', 'new WebSocketServer()'), {
      replace: { 'server.listen(9080': 'server.listen(0' },
      bindings: ['server', 'loop'],
    });
    const { server, loop } = example.bindings;
    const clients: WebSocket[] = [];
    try {
      await within(server.ready(), 'listening');
      const a = await client(server.getLocalPort(), ['chat']);
      const doomed = await client(server.getLocalPort(), ['chat']);
      clients.push(a.ws, doomed.ws);
      doomed.ws.terminate();
      const left = await within(example.logged(/disconnected, clean/), 'client_disconnected');
      expect(left).toMatch(/^Client \d+ disconnected, clean: false$/);
      a.ws.send('still here');
      expect(await a.next()).toBe('still here');
      expect(example.logs.filter((line) => line.endsWith('connected with protocol: chat'))).toHaveLength(2);
    } finally {
      clearInterval(loop);
      for (const ws of clients) ws.terminate();
      server.stop();
    }
  });
});

describe('README: Multiplayer', () => {
  it('WebSocketMultiplayerPeer: the server sees its client join, and a client that is killed leave', async () => {
    const port = await freePort();
    const example = runExample<{ server: WebSocketMultiplayerPeer; client: WebSocketMultiplayerPeer; loop: NodeJS.Timeout; clientLoop: NodeJS.Timeout }>(
      readmeBlock('## Multiplayer', 'server.createServer(8080)'),
      { replace: { '8080': String(port) }, bindings: ['server', 'client', 'loop', 'clientLoop'] },
    );
    const { server, client: exampleClient, loop, clientLoop } = await within(example.done, 'the server listening');
    const other = new WebSocketMultiplayerPeer();
    other.supportedProtocols = ['ludus'];
    try {
      const joined = await within(example.logged(/joined$/), 'the example client joining');
      expect(joined).toMatch(/^\d+ joined$/);
      other.createClient(`ws://127.0.0.1:${port}`);
      const game = fromMultiplayerPeer(other);
      const otherJoined = new Promise((resolve) => game.status$.subscribe((s) => s === ConnectionStatus.CONNECTED && resolve(s)));
      await within(otherJoined, 'the second client connected');
      const id = other.getUniqueId();
      other.getPeer(1)!.close(-1); // killed: no close frame
      expect(await within(example.logged(new RegExp(`^${id} left$`)), 'the killed client leaving')).toBe(`${id} left`);
      expect(exampleClient.getConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
    } finally {
      clearInterval(loop);
      clearInterval(clientLoop);
      other.close();
      exampleClient.close();
      server.close();
    }
  });

  it('fromMultiplayerPeer: sends once CONNECTED, and the streams complete quietly when the server goes away', async () => {
    const host = new WebSocketMultiplayerPeer();
    expect(host.createServer(0)).toBe(0);
    expect(await host.ready()).toBe(0);
    const hosted = fromMultiplayerPeer(host);
    const received = new Promise<string>((resolve) => hosted.packets$.subscribe(({ data }) => resolve(new TextDecoder().decode(data))));
    const example = runExample(readmeBlock('## Multiplayer', 'fromMultiplayerPeer(peer)'), { replace: { '8080': String(host.getLocalPort()) } });
    try {
      expect(await within(received, 'the hello at the server')).toBe('hello everyone');
      host.close(); // the server goes away
      await within(example.logged(/^server_disconnected$/), 'close$');
      expect(example.logs).toEqual(['CONNECTING', 'peers []', 'peers [1]', 'CONNECTED', 'peers []', 'DISCONNECTED', 'server_disconnected']);
    } finally {
      host.close();
    }
  });
});
