// A WebSocketPeer against a hostile remote over raw sockets on 127.0.0.1: the remote is a
// script written byte by byte (wrong HTTP versions, garbage, ping floods, empty-fragment
// floods, half-open connections). Every case ends in a documented answer: a close code
// (the one actually sent), a cause, an HTTP 400. Timeouts run on an injected clock.
import { createHash } from 'node:crypto';
import { connect as netConnect, createServer, Socket, type Server } from 'node:net';
import { ErrorCode, State } from '../../src/peer/constants.js';
import { kSetClock } from '../../src/peer/internal.js';
import { StreamPeerTCP } from '../../src/peer/node/stream-peer.js';
import { WebSocketPeer } from '../../src/peer/websocket-peer.js';
import { firstValueFrom } from 'rxjs';
import { fromPeer } from '../../src/observable/observable-peer.js';
import { deferred, pollUntil, pollUntilState, within } from '../helpers/poll.js';

const HOST = '127.0.0.1';
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPCODE = { continuation: 0x0, text: 0x1, close: 0x8, ping: 0x9 } as const;

/** One WebSocket frame; client frames must be masked (a zero mask keeps the payload readable). */
function frame(opcode: number, payload: Uint8Array = new Uint8Array(0), { fin = true, masked = false } = {}): Buffer {
  if (payload.length > 125) throw new Error('test frames are small');
  const header = [(fin ? 0x80 : 0) | opcode, (masked ? 0x80 : 0) | payload.length];
  return Buffer.concat([Buffer.from(header), masked ? Buffer.alloc(4) : Buffer.alloc(0), payload]);
}

const acceptKey = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

/** Reads one HTTP head (up to the blank line) from `socket`. */
function readHead(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const rest = Buffer.from(head.slice(end + 4), 'latin1');
      if (rest.length > 0) socket.unshift(rest);
      resolve(head.slice(0, end));
    };
    socket.on('data', onData);
  });
}

function keyOf(head: string): string {
  return /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
}

const servers: Server[] = [];
const sockets: Socket[] = [];
const peers: WebSocketPeer[] = [];

/** A raw TCP server; `script` runs for each connection. Resolves with its port. */
async function rawServer(script: (socket: Socket) => void | Promise<void>): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    void script(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return (server.address() as { port: number }).port;
}

function newPeer(): WebSocketPeer {
  const peer = new WebSocketPeer();
  peers.push(peer);
  return peer;
}

/** A peer on a clock the test moves. */
function peerOnClock(): { peer: WebSocketPeer; advance: (ms: number) => void } {
  const peer = newPeer();
  let now = 1_000;
  peer[kSetClock](() => now);
  return { peer, advance: (ms) => (now += ms) };
}

/** Completes the server side of the handshake as a plain RFC 6455 server would. */
async function answer101(socket: Socket, version = '1.1'): Promise<void> {
  const head = await readHead(socket);
  socket.write(
    `HTTP/${version} 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${acceptKey(keyOf(head))}\r\n\r\n`,
  );
}

afterEach(async () => {
  peers.splice(0).forEach((peer) => peer.close(-1));
  sockets.splice(0).forEach((socket) => socket.destroy());
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('a client against a hostile server', () => {
  it.each(['1.0', '2.0'])('refuses an HTTP/%s 101 answer: CLOSED, code -1, a cause that says why', async (version) => {
    const port = await rawServer((socket) => answer101(socket, version));
    const peer = newPeer();
    expect(peer.connectToUrl(`ws://${HOST}:${port}/`)).toBe(ErrorCode.OK);
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    expect(peer.getCloseCause()).not.toBe('');
    if (version === '1.0') expect(peer.getCloseCause()).toMatch(/HTTP\/1\.0.*HTTP\/1\.1/);
  });

  it('reports garbage instead of an HTTP answer as a failed connect with a cause', async () => {
    const port = await rawServer(async (socket) => {
      await readHead(socket);
      socket.end('\x00\x01garbage\r\n\r\n');
    });
    const peer = newPeer();
    peer.connectToUrl(`ws://${HOST}:${port}/`);
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    expect(peer.getCloseCause()).not.toBe('');
  });

  it('gives up on a silent server after handshakeTimeout (default 10 s)', async () => {
    const connected = deferred();
    const port = await rawServer(() => connected.resolve());
    const { peer, advance } = peerOnClock();
    expect(peer.handshakeTimeout).toBe(10);
    peer.connectToUrl(`ws://${HOST}:${port}/`);
    await within(connected.promise, 'the TCP connection');
    advance(9_999);
    peer.poll();
    expect(peer.getReadyState()).toBe(State.CONNECTING);
    advance(1);
    peer.poll();
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    expect(peer.getCloseCause()).toBe('handshake timed out after 10 s');
  });

  it('stops waiting for the close frame of a half-open server after closeTimeout (default 5 s)', async () => {
    const port = await rawServer((socket) => answer101(socket)); // then reads nothing, answers nothing
    const { peer, advance } = peerOnClock();
    peer.connectToUrl(`ws://${HOST}:${port}/`);
    await pollUntilState(peer, State.OPEN);
    expect(peer.close(1000, 'bye')).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSING);
    advance(4_999);
    peer.poll();
    expect(peer.getReadyState()).toBe(State.CLOSING);
    advance(1);
    peer.poll();
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    expect(peer.getCloseCause()).toBe('no close frame from the remote within 5 s');
  });

  it('a driver polling on demand (fromPeer) also ends CLOSING at closeTimeout, with the cause in close$', async () => {
    const port = await rawServer((socket) => answer101(socket));
    const peer = newPeer();
    peer.closeTimeout = 0.05;
    peer.connectToUrl(`ws://${HOST}:${port}/`);
    await pollUntilState(peer, State.OPEN);
    const socket = fromPeer(peer);
    const closed = firstValueFrom(socket.close$);
    expect(socket.close(1000)).toBe(ErrorCode.OK);
    const info = await within(closed, 'the close');
    expect(info).toMatchObject({ code: -1, wasClean: false, cause: 'no close frame from the remote within 0.05 s' });
  });

  it('reports the 1008 it sent when the server floods empty fragments (not 1002)', async () => {
    const port = await rawServer(async (socket) => {
      await answer101(socket);
      const flood = [frame(OPCODE.text, undefined, { fin: false })];
      // More than the allowance: one frame per byte of inboundBufferSize (65535) + 16,384 empty ones.
      for (let i = 0; i < 82_000; i++) flood.push(frame(OPCODE.continuation, undefined, { fin: false }));
      socket.write(Buffer.concat(flood));
    });
    const peer = newPeer();
    peer.connectToUrl(`ws://${HOST}:${port}/`);
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(1008);
    expect(peer.getCloseReason()).toBe('Too many message fragments');
    expect(peer.getCloseCause()).toMatch(/fragments/);
  });

  it('answers a burst of pings the network carries, without cutting anyone', async () => {
    const pongs = deferred<number>();
    const port = await rawServer(async (socket) => {
      await answer101(socket);
      const burst = [];
      for (let i = 0; i < 500; i++) burst.push(frame(OPCODE.ping, Buffer.from('p')));
      socket.write(Buffer.concat(burst));
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= 500 * 7) pongs.resolve(received); // a masked pong of 1 byte is 7 bytes
      });
    });
    const peer = newPeer();
    peer.connectToUrl(`ws://${HOST}:${port}/`);
    await pollUntilState(peer, State.OPEN);
    await within(pongs.promise, '500 pongs');
    peer.poll();
    expect(peer.getReadyState()).toBe(State.OPEN);
  });

  it('closes with 1008 and a cause when a server that does not read keeps pinging', async () => {
    let server!: Socket;
    const ready = deferred();
    const port = await rawServer(async (socket) => {
      server = socket;
      await answer101(socket);
      socket.pause(); // from now on never reads: what the peer writes piles up
      ready.resolve();
    });
    const peer = newPeer();
    peer.outboundBufferSize = 0; // no limit: fill the socket so that pongs can't be written
    peer.maxPendingPongs = 10;
    peer.connectToUrl(`ws://${HOST}:${port}/`);
    await within(ready.promise, 'the handshake');
    await pollUntilState(peer, State.OPEN);
    expect(peer.putPacket(new Uint8Array(32 * 1024 * 1024))).toBe(ErrorCode.OK);
    const pings = [];
    for (let i = 0; i < 20; i++) pings.push(frame(OPCODE.ping));
    server.write(Buffer.concat(pings));
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(1008);
    expect(peer.getCloseReason()).toBe('Too many pings');
    expect(peer.getCloseCause()).toMatch(/ping flood/);
  });
});

describe('a server-side peer against a hostile client', () => {
  /** A raw client connected to a listening socket whose connections become acceptStream peers. */
  async function rawClient(configure?: (peer: WebSocketPeer) => void): Promise<{ peer: WebSocketPeer; client: Socket }> {
    const accepted = deferred<WebSocketPeer>();
    const server = createServer((socket) => {
      const peer = newPeer();
      configure?.(peer);
      expect(peer.acceptStream(new StreamPeerTCP(socket))).toBe(ErrorCode.OK);
      accepted.resolve(peer);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    const client = netConnect((server.address() as { port: number }).port, HOST);
    client.on('error', () => {});
    sockets.push(client);
    return { peer: await within(accepted.promise, 'the accepted connection'), client };
  }

  function collect(socket: Socket): () => string {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    return () => text;
  }

  const request = (target: string, version = '1.1'): string =>
    `GET ${target} HTTP/${version}\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

  it.each(['1.0', '0.9', '2.0'])('answers an HTTP/%s upgrade with 400 and reports CLOSED (-1)', async (version) => {
    const { peer, client } = await rawClient();
    const received = collect(client);
    client.write(request('/', version));
    await pollUntilState(peer, State.CLOSED);
    await pollUntil(peer, () => received().length > 0);
    expect(received()).toMatch(/^HTTP\/1\.1 400/);
    expect(peer.getCloseCode()).toBe(-1);
  });

  it('answers garbage with 400', async () => {
    const { peer, client } = await rawClient();
    const received = collect(client);
    client.write('\x16\x03\x01garbage\r\n\r\n');
    await pollUntilState(peer, State.CLOSED);
    await pollUntil(peer, () => received().length > 0);
    expect(received()).toMatch(/^HTTP\/1\.1 400/);
  });

  it('turns an absolute-form request into a well-formed requested URL', async () => {
    const { peer, client } = await rawClient();
    client.write(request('http://evil.example/x?y=1'));
    await pollUntilState(peer, State.OPEN);
    expect(peer.getRequestedUrl()).toBe('ws://evil.example/x?y=1');
    expect(new URL(peer.getRequestedUrl()).pathname).toBe('/x');
  });

  it('refuses a request target that is neither a path nor an absolute URL', async () => {
    const { peer, client } = await rawClient();
    const received = collect(client);
    client.write(request('*'));
    await pollUntilState(peer, State.CLOSED);
    await pollUntil(peer, () => received().length > 0);
    expect(received()).toMatch(/^HTTP\/1\.1 400/);
  });

  it('drops a client that connects and sends nothing after handshakeTimeout', async () => {
    let now = 0;
    const { peer } = await rawClient((p) => {
      p.handshakeTimeout = 2;
      p[kSetClock](() => now);
    });
    peer.poll();
    now += 2_000;
    peer.poll();
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCause()).toBe('handshake timed out after 2 s');
  });

  it('reports the 1008 it sent to a client flooding empty fragments, and drops it if it never answers', async () => {
    let now = 0;
    const { peer, client } = await rawClient((p) => p[kSetClock](() => now));
    client.write(request('/'));
    await pollUntilState(peer, State.OPEN);
    const flood = [frame(OPCODE.text, undefined, { fin: false, masked: true })];
    // More than the allowance: one frame per byte of inboundBufferSize (65535) + 16,384 empty ones.
    for (let i = 0; i < 82_000; i++) flood.push(frame(OPCODE.continuation, undefined, { fin: false, masked: true }));
    client.write(Buffer.concat(flood));
    // The close frame went out; the client never answers it.
    await pollUntilState(peer, State.CLOSING);
    expect(peer.getCloseCode()).toBe(1008);
    now += peer.closeTimeout * 1000;
    peer.poll();
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(1008);
    expect(peer.getCloseReason()).toBe('Too many message fragments');
    expect(peer.getCloseCause()).toMatch(/fragments/);
  });

  it('closes with 1008 when a client that does not read floods pings', async () => {
    const { peer, client } = await rawClient((p) => {
      p.outboundBufferSize = 0;
      p.maxPendingPongs = 10;
    });
    client.write(request('/'));
    await pollUntilState(peer, State.OPEN);
    client.pause();
    expect(peer.putPacket(new Uint8Array(32 * 1024 * 1024))).toBe(ErrorCode.OK);
    const pings = [];
    for (let i = 0; i < 20; i++) pings.push(frame(OPCODE.ping, undefined, { masked: true }));
    client.write(Buffer.concat(pings));
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(1008);
    expect(peer.getCloseCause()).toMatch(/ping flood/);
  });

  it('refuses a net.Socket that never connected (ERR_INVALID_PARAMETER, stays CLOSED)', async () => {
    const peer = newPeer();
    expect(peer.acceptStream(new Socket())).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(() => new StreamPeerTCP(new Socket())).toThrow(TypeError);
  });
});
