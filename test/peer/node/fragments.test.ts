// Fragmented messages: a message within inboundBufferSize is never refused for its framing
// (a 4 MiB message in 65,536 fragments of 64 bytes, server and client side), while a flood
// of empty fragments is still refused, with the close code actually sent (1008).
import { mergeMap, type Subscription, tap } from 'rxjs';
import WebSocket from 'ws';
import { ErrorCode, listen, type ObservablePeer, State, WebSocketPeer } from 'rxpeer';
import { cleanUp, newPeer } from '../../helpers/cleanup.js';
import { pollUntil, pollUntilState } from '../../helpers/poll.js';
import { startServer } from '../../helpers/ws-server.js';
import { HOST, within, WsClient } from '../../helpers/server.js';

const FOUR_MIB = 4 * 1024 * 1024;
const FRAGMENT = 64;

const subscriptions: Subscription[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  await cleanUp();
});

/** Sends `message` as fragments of `size` bytes through ws's own fragmentation (fin: false). */
function sendFragmented(ws: WebSocket, message: Buffer, size: number): void {
  for (let offset = 0; offset < message.length; offset += size) {
    const end = Math.min(offset + size, message.length);
    ws.send(message.subarray(offset, end), { binary: true, fin: end === message.length, compress: false });
  }
}

/** `count` empty non-final fragments: a message that never ends and carries nothing. */
function sendEmptyFragments(ws: WebSocket, count: number): void {
  for (let i = 0; i < count; i++) ws.send(Buffer.alloc(0), { binary: true, fin: false, compress: false });
}

function pattern(size: number): Buffer {
  const data = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 0xff;
  return data;
}

async function listenServer(inboundBufferSize?: number) {
  const clients: ObservablePeer[] = [];
  let bound!: (port: number) => void;
  const port = new Promise<number>((resolve) => (bound = resolve));
  subscriptions.push(
    listen(0, {
      bindAddress: HOST,
      ...(inboundBufferSize === undefined ? {} : { inboundBufferSize, outboundBufferSize: inboundBufferSize }),
      onListening: bound,
    })
      .pipe(
        tap((client) => clients.push(client)),
        mergeMap((client) => client.packets$.pipe(tap((p) => client.send(p.data)))),
      )
      .subscribe(),
  );
  return { port: await within(port, 'the server to listen'), clients };
}

describe('server side (listen())', () => {
  it('accepts a 4 MiB message in 65,536 fragments of 64 bytes when inboundBufferSize allows it', async () => {
    const { port } = await listenServer(FOUR_MIB);
    const client = new WsClient(`ws://${HOST}:${port}/`, [], { perMessageDeflate: false, maxPayload: FOUR_MIB });
    await client.opened;
    const message = pattern(FOUR_MIB);
    sendFragmented(client.ws, message, FRAGMENT);
    const echoed = await client.next();
    expect(echoed.data.length).toBe(FOUR_MIB);
    expect(echoed.data.equals(message)).toBe(true);
    client.ws.close();
    await client.closed;
  });

  it('still refuses a flood of empty fragments, closing with 1008 and reporting 1008', async () => {
    const { port, clients } = await listenServer();
    const client = new WsClient(`ws://${HOST}:${port}/`, [], { perMessageDeflate: false });
    await client.opened;
    // 65,535 + 16,384 frames are allowed by default; send more, none of them carrying a byte.
    sendEmptyFragments(client.ws, 100_000);
    expect(await client.closed).toEqual({ code: 1008, reason: 'Too many message fragments' });
    const server = clients[0]!;
    await within(
      new Promise<void>((resolve) => server.close$.subscribe(() => resolve())),
      'the server side to close',
    );
    expect(server.peer.getCloseCode()).toBe(1008);
    expect(server.peer.getCloseReason()).toBe('Too many message fragments');
  });
});

describe('client side (WebSocketPeer)', () => {
  it('accepts a 4 MiB message in 65,536 fragments of 64 bytes when inboundBufferSize allows it', async () => {
    const message = pattern(FOUR_MIB);
    const server = await startServer({ onConnection: (c) => sendFragmented(c.ws, message, FRAGMENT), ws: { perMessageDeflate: false } });
    const peer: WebSocketPeer = newPeer();
    peer.inboundBufferSize = FOUR_MIB;
    expect(peer.connectToUrl(server.url())).toBe(ErrorCode.OK);
    await pollUntil(peer, (p) => p.getAvailablePacketCount() > 0, { what: 'the 4 MiB message' });
    const received = peer.getPacket();
    expect(received.byteLength).toBe(FOUR_MIB);
    expect(Buffer.from(received).equals(message)).toBe(true);
    expect(peer.getReadyState()).toBe(State.OPEN);
  });

  it('refuses a flood of empty fragments with 1008, and reports 1008', async () => {
    const server = await startServer({ onConnection: (c) => sendEmptyFragments(c.ws, 100_000), ws: { perMessageDeflate: false } });
    const peer = newPeer();
    expect(peer.connectToUrl(server.url())).toBe(ErrorCode.OK);
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(1008);
    expect(peer.getCloseReason()).toBe('Too many message fragments');
    expect(await (await server.connection()).waitClosed()).toEqual({ code: 1008, reason: 'Too many message fragments' });
  });
});
