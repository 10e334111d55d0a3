// Once close frames went both ways the peer is CLOSED, even when the remote never closes its
// side of the TCP connection (as in Godot: a close frame both sent and received → CLOSED,
// clean). Found against Godot 3.2.3, which stops reading after answering a too-big message
// with 1009 (test/interop): ws waited 30 s for its FIN. Here the remote is a raw socket.
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { ErrorCode, State, WebSocketPeer } from 'rxpeer';
import { acceptPeer, HOST, listenTcp, pollPeerUntil, rawConnect, upgradeRequest, within } from '../helpers/server';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Well under ws's 30 s close timeout: the peer must not wait for the remote's FIN. */
const PROMPTLY_MS = 2_000;

function closeFrame(code: number, reason: string, mask: boolean): Buffer {
  const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);
  if (!mask) return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
  const key = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), key, masked]);
}

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

it('a client is CLOSED promptly after a server that sent a close frame and then neither reads nor closes', async () => {
  // A server that accepts, sends 1009, and from then on ignores the connection (as Godot 3.2.3 does).
  server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('data', (request: Buffer) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(request.toString('latin1'))![1]!;
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.write(closeFrame(1009, '', false));
      socket.pause();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, HOST, resolve));
  const address = server.address();
  const peer = new WebSocketPeer();
  expect(peer.connectToUrl(`ws://${HOST}:${typeof address === 'object' && address !== null ? address.port : 0}/`)).toBe(ErrorCode.OK);
  const seen: State[] = [];
  await within(pollPeerUntil(peer, State.CLOSED, seen), 'the client to be CLOSED', PROMPTLY_MS);

  expect(seen).toContain(State.OPEN);
  expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([1009, '']);
});

it('a server peer is CLOSED promptly after a client that sent a close frame and then neither reads nor closes', async () => {
  const tcp = await listenTcp();
  try {
    const client = await rawConnect(tcp.getLocalPort());
    sockets.add(client);
    client.allowHalfOpen = true; // our FIN must not make it answer with its own
    client.write(upgradeRequest());
    const peer = await acceptPeer(tcp);
    await pollPeerUntil(peer, State.OPEN);
    client.write(closeFrame(4000, 'bye', true));
    client.pause();
    await within(pollPeerUntil(peer, State.CLOSED), 'the server peer to be CLOSED', PROMPTLY_MS);

    expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([4000, 'bye']);
  } finally {
    tcp.stop();
  }
});
