// Shared by the multiplayer tests: players that record every signal and packet into one
// transcript, and two worlds to run the same scenarios in: an in-memory network with a
// manual clock (deterministic, virtual time) and real sockets on 127.0.0.1. Every wait is
// bounded and fails with the transcript of every side.
import { connect } from 'node:net';
import { WebSocketServer as WsServer, type WebSocket as WsSocket } from 'ws';
import { ConnectionStatus, ErrorCode, State, WebSocketMultiplayerPeer } from 'rxpeer';
import { createMemoryNetwork, type MemoryNetwork } from 'rxpeer/testing';
import { kSetClock } from '../../src/peer/internal';
import type { MultiplayerWireFormat } from '../../src/peer/multiplayer/wire-format';

export const HOST = '127.0.0.1';
const decoder = new TextDecoder();
export const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** A multiplayer peer whose signals (and, by default, packets) are written to a transcript. */
export class Player {
  /** This player's own events: "+3" joined, "-3" left, "ok" connection_succeeded, "failed", "lost", "3>hello" a packet. */
  readonly events: string[] = [];
  /** Packets read, with sender. */
  readonly packets: { from: number; text: string }[] = [];

  constructor(
    readonly name: string,
    readonly peer: WebSocketMultiplayerPeer,
    readonly transcript: string[],
    readPackets = true,
  ) {
    const add = (event: string): void => {
      this.events.push(event);
      transcript.push(`${name}: ${event}`);
    };
    peer.on('peer_connected', (id) => add(`+${id}`));
    peer.on('peer_disconnected', (id) => add(`-${id}`));
    peer.on('connection_succeeded', () => add('ok'));
    peer.on('connection_failed', () => add('failed'));
    peer.on('server_disconnected', () => add('lost'));
    if (readPackets) {
      peer.on('peer_packet', (from) => {
        expect(peer.getPacketPeer()).toBe(from);
        const packet = { from, text: decoder.decode(peer.getPacket()) };
        this.packets.push(packet);
        add(`${from}>${packet.text}`);
      });
    }
  }

  /** The unique id, still known after the peer disconnected (getUniqueId() is 0 then). */
  get id(): number {
    const id = this.peer.getUniqueId();
    if (id !== 0) this.#id = id;
    return this.#id;
  }
  #id = 0;

  /** Sends `message` to `target` through setTargetPeer + putPacket. */
  send(target: number, message: string): ErrorCode {
    this.peer.setTargetPeer(target);
    return this.peer.putPacket(text(message));
  }

  /** The packets' texts, as "from>text". */
  received(): string[] {
    return this.packets.map((p) => `${p.from}>${p.text}`);
  }
}

/** Where a scenario runs: memory (manual clock) or real sockets. */
export interface World {
  readonly name: 'memory' | 'sockets';
  readonly transcript: string[];
  /** A player around a new multiplayer peer. */
  player(name: string, options?: { readPackets?: boolean; format?: MultiplayerWireFormat }): Player;
  /** createServer on a free port; resolves with the URL clients use. */
  serve(server: Player): Promise<string>;
  /** Polls every player until `done()` holds; fails with the transcript after a bounded wait. */
  until(what: string, done: () => boolean): Promise<void>;
  /** Polls every player a few more times (to show that nothing else arrives). */
  settle(): Promise<void>;
  /** Moves the clock on (memory) or waits that long while polling (sockets). */
  elapse(ms: number): Promise<void>;
  /** A client's connection dies without a close frame (its process was killed). */
  kill(client: Player): void;
  /** A server that accepts WebSocket connections and then only does what the test says. */
  rawServer(): Promise<RawServer>;
  /** A connection that never sends its WebSocket handshake; `dropped()` once the server closed it. */
  halfOpen(url: string): Promise<{ dropped(): boolean }>;
  cleanUp(): Promise<void>;
}

export interface RawServer {
  url: string;
  /** Resolves with the next connection, once open. */
  next(): Promise<RawConnection>;
}

export interface RawConnection {
  send(data: Uint8Array): void;
  /** Resolves with the close the client sent. */
  closed(): Promise<{ code: number; reason: string }>;
}

/** Connects `client` to `url` and waits until it is CONNECTED (so join order is known). */
export async function join(world: World, client: Player, url: string): Promise<void> {
  expect(client.peer.createClient(url)).toBe(ErrorCode.OK);
  expect(client.peer.getConnectionStatus()).toBe(ConnectionStatus.CONNECTING);
  await world.until(`${client.name} to connect`, () => client.peer.getConnectionStatus() === ConnectionStatus.CONNECTED);
  expect(client.id).toBeGreaterThanOrEqual(2);
}

abstract class BaseWorld {
  readonly transcript: string[] = [];
  protected readonly players: Player[] = [];

  protected abstract newPeer(): WebSocketMultiplayerPeer;

  player(name: string, { readPackets = true, format = 'godot3' as MultiplayerWireFormat } = {}): Player {
    const peer = this.newPeer();
    peer.wireFormat = format;
    const player = new Player(name, peer, this.transcript, readPackets);
    this.players.push(player);
    return player;
  }

  protected pollAll(): void {
    for (const player of this.players) player.peer.poll();
  }

  protected failure(what: string): Error {
    return new Error(`timed out waiting for ${what}; transcript:\n  ${this.transcript.join('\n  ')}`);
  }
}

export class MemoryWorld extends BaseWorld implements World {
  readonly name = 'memory';
  readonly network: MemoryNetwork = createMemoryNetwork();
  now = 0;
  #port = 7000;

  protected newPeer(): WebSocketMultiplayerPeer {
    const peer = this.network.createPeer();
    peer[kSetClock](() => this.now);
    return peer;
  }

  async serve(server: Player): Promise<string> {
    const port = this.#port++;
    expect(server.peer.createServer(port)).toBe(ErrorCode.OK);
    expect(await server.peer.ready()).toBe(ErrorCode.OK);
    return `ws://${HOST}:${port}/`;
  }

  /** Polls round after round, virtual time moving on 10 ms a round (10 s at most). */
  async until(what: string, done: () => boolean): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      if (done()) return;
      this.pollAll();
      this.now += 10;
    }
    if (!done()) throw this.failure(what);
  }

  async settle(): Promise<void> {
    for (let round = 0; round < 10; round++) this.pollAll();
  }

  async elapse(ms: number): Promise<void> {
    this.now += ms;
    this.pollAll();
  }

  kill(client: Player): void {
    client.peer.getPeer(1)!.close(-1);
  }

  async rawServer(): Promise<RawServer> {
    const listener = this.network.listenRaw(0);
    const pollRaw: (() => void)[] = [];
    const world = this;
    return {
      url: `ws://${HOST}:${listener.port}/`,
      async next() {
        let peer = listener.take();
        for (let round = 0; peer === null && round < 50; round++) {
          world.pollAll();
          peer = listener.take();
        }
        if (peer === null) throw world.failure('a connection to the raw server');
        const ws = peer;
        pollRaw.push(() => ws.poll());
        ws.poll();
        return {
          send: (data) => expect(ws.putPacket(data)).toBe(ErrorCode.OK),
          async closed() {
            for (let round = 0; round < 50 && ws.getCloseCode() === -1; round++) {
              world.pollAll();
              ws.poll();
            }
            return { code: ws.getCloseCode(), reason: ws.getCloseReason() };
          },
        };
      },
    };
  }

  async halfOpen(url: string): Promise<{ dropped(): boolean }> {
    const connection = this.network.connectHalfOpen(url);
    return { dropped: () => connection.dropped };
  }

  async cleanUp(): Promise<void> {
    for (const player of this.players) player.peer.close();
  }
}

export class SocketWorld extends BaseWorld implements World {
  readonly name = 'sockets';
  readonly #cleanups: (() => Promise<void> | void)[] = [];

  protected newPeer(): WebSocketMultiplayerPeer {
    return new WebSocketMultiplayerPeer();
  }

  async serve(server: Player): Promise<string> {
    expect(server.peer.createServer(0, HOST)).toBe(ErrorCode.OK);
    expect(await server.peer.ready()).toBe(ErrorCode.OK);
    return `ws://${HOST}:${server.peer.getLocalPort()}/`;
  }

  async until(what: string, done: () => boolean, deadlineMs = 5000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      this.pollAll();
      if (done()) return;
      if (Date.now() > deadline) throw this.failure(what);
      await nextTurn();
    }
  }

  async settle(): Promise<void> {
    // Long enough for loopback round trips; nothing awaited here is expected to happen.
    const end = Date.now() + 50;
    while (Date.now() < end) {
      this.pollAll();
      await nextTurn();
    }
  }

  async elapse(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() <= end) {
      this.pollAll();
      await nextTurn();
    }
    this.pollAll();
  }

  kill(client: Player): void {
    client.peer.getPeer(1)!.close(-1); // drops the TCP connection, no close frame
  }

  async rawServer(): Promise<RawServer> {
    const server = new WsServer({ host: HOST, port: 0 });
    await new Promise<void>((listening) => server.once('listening', listening));
    const waiting: ((socket: WsSocket) => void)[] = [];
    const arrived: WsSocket[] = [];
    server.on('connection', (socket) => {
      const take = waiting.shift();
      if (take !== undefined) take(socket);
      else arrived.push(socket);
    });
    this.#cleanups.push(
      () =>
        new Promise<void>((closed) => {
          for (const client of server.clients) client.terminate();
          server.close(() => closed());
        }),
    );
    const port = (server.address() as { port: number }).port;
    const world = this;
    return {
      url: `ws://${HOST}:${port}/`,
      async next() {
        const socket =
          arrived.shift() ??
          (await world.pollingUntilResolved('a connection to the raw server', new Promise<WsSocket>((take) => waiting.push(take))));
        const closed = new Promise<{ code: number; reason: string }>((done) =>
          socket.once('close', (code, reason) => done({ code, reason: reason.toString() })),
        );
        return {
          send: (data) => socket.send(data),
          closed: () => world.pollingUntilResolved('the client to close', closed),
        };
      },
    };
  }

  async halfOpen(url: string): Promise<{ dropped(): boolean }> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let dropped = false;
    socket.on('error', () => {});
    socket.on('close', () => (dropped = true));
    await new Promise<void>((connected) => socket.once('connect', connected));
    this.#cleanups.push(() => void socket.destroy());
    return { dropped: () => dropped };
  }

  /** Keeps every player polled while waiting for `promise`, with a deadline. */
  async pollingUntilResolved<T>(what: string, promise: Promise<T>, deadlineMs = 5000): Promise<T> {
    let settled = false;
    let value: T | undefined;
    void promise.then((v) => {
      value = v;
      settled = true;
    });
    await this.until(what, () => settled, deadlineMs);
    return value as T;
  }

  async cleanUp(): Promise<void> {
    // close() sends close frames and forgets the connections; poll them until both ends
    // finished their close handshakes, so no socket outlives the test.
    const sockets = this.players.flatMap(({ peer }) =>
      (peer.isServer() ? peer.getPeers() : [1]).map((id) => peer.getPeer(id)).filter((ws) => ws !== null),
    );
    for (const player of this.players) player.peer.close();
    const deadline = Date.now() + 5000;
    while (sockets.some((ws) => ws.getReadyState() !== State.CLOSED) && Date.now() < deadline) {
      for (const ws of sockets) ws.poll();
      await nextTurn();
    }
    for (const ws of sockets) ws.close(-1);
    while (this.#cleanups.length > 0) await this.#cleanups.pop()!();
  }
}

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
