import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { ErrorCode, State, StreamPeerTCP, StreamPeerTLS, TCPServer, TLSOptions, WebSocketPeer, WriteMode } from 'rxpeer';
import {
  acceptPeer,
  closeOf,
  HOST,
  listenTcp,
  makeCertificate,
  pollPeerUntil,
  pollUntil,
  rawConnect,
  removeCertificate,
  upgradeRequest,
  within,
  WsClient,
  type Certificate,
} from '../../helpers/server';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** Reads every packet `peer` shows, as [payload, isString]. */
function drain(peer: WebSocketPeer): [Uint8Array, boolean][] {
  const packets: [Uint8Array, boolean][] = [];
  while (peer.getAvailablePacketCount() > 0) packets.push([peer.getPacket(), peer.wasStringPacket()]);
  return packets;
}

async function pollPeerForPackets(peer: WebSocketPeer, count: number): Promise<[Uint8Array, boolean][]> {
  const packets: [Uint8Array, boolean][] = [];
  await pollUntil(() => (peer.poll(), packets.push(...drain(peer))), () => packets.length >= count, `${count} packets`);
  return packets;
}

let tcp: TCPServer;
const peers: WebSocketPeer[] = [];
const clients: WsClient[] = [];
const sockets: Socket[] = [];

async function accept(configure?: (peer: WebSocketPeer) => void): Promise<WebSocketPeer> {
  const peer = await acceptPeer(tcp, configure);
  peers.push(peer);
  return peer;
}

function wsClient(...args: ConstructorParameters<typeof WsClient>): WsClient {
  const client = new WsClient(...args);
  clients.push(client);
  return client;
}

beforeEach(async () => {
  tcp = await listenTcp();
});

afterEach(async () => {
  peers.splice(0).forEach((peer) => peer.close(-1));
  await Promise.all(clients.splice(0).map((c) => (c.ws.terminate(), c.closed)));
  sockets.splice(0).forEach((s) => s.destroy());
  tcp.stop();
});

describe('WebSocketPeer#acceptStream (server side)', () => {
  describe('arguments', () => {
    it.each([
      ['nothing', undefined],
      ['null', null],
      ['a string', 'stream'],
      ['a plain object', { write() {} }],
      ['a StreamPeerTLS that accepted nothing', new StreamPeerTLS()],
    ])('refuses %s with ERR_INVALID_PARAMETER and stays CLOSED', (_, stream) => {
      const peer = new WebSocketPeer();
      expect(peer.acceptStream(stream as never)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.getReadyState()).toBe(State.CLOSED);
    });

    it('refuses a stream already handed to another peer with ERR_ALREADY_IN_USE', async () => {
      sockets.push(await rawConnect(tcp.getLocalPort()));
      await pollUntil(() => {}, () => tcp.isConnectionAvailable(), 'a connection');
      const stream = tcp.takeConnection()!;
      const first = new WebSocketPeer();
      peers.push(first);
      expect(first.acceptStream(stream)).toBe(ErrorCode.OK);
      const second = new WebSocketPeer();
      expect(second.acceptStream(stream)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      expect(second.getReadyState()).toBe(State.CLOSED);
      expect(first.acceptStream(stream)).toBe(ErrorCode.ERR_ALREADY_IN_USE); // CONNECTING already
    });

    it('refuses invalid handshake headers or protocols before touching the stream', async () => {
      sockets.push(await rawConnect(tcp.getLocalPort()));
      await pollUntil(() => {}, () => tcp.isConnectionAvailable(), 'a connection');
      const stream = tcp.takeConnection()!;
      const peer = new WebSocketPeer();
      peer.handshakeHeaders = ['X-Bad: a\r\nInjected: yes'];
      expect(peer.acceptStream(stream)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      peer.handshakeHeaders = [];
      peer.supportedProtocols = ['not a token'];
      expect(peer.acceptStream(stream)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      peer.supportedProtocols = [];
      peers.push(peer);
      expect(peer.acceptStream(stream)).toBe(ErrorCode.OK); // the stream is still usable
    });
  });

  describe('with a ws client', () => {
    it('opens, with the requested URL, the peer address, the chosen protocol and the extra headers', async () => {
      const client = wsClient(`ws://${HOST}:${tcp.getLocalPort()}/game/room?id=7&x=y`, ['b', 'a'], {
        headers: { 'X-Client': 'hello' },
      });
      const peer = await accept((p) => {
        p.supportedProtocols = [' a ', 'b']; // whitespace stripped
        p.handshakeHeaders = ['X-Server: rxpeer', 'Set-Cookie: k=v'];
      });
      const seen: State[] = [State.CONNECTING];
      await pollPeerUntil(peer, State.OPEN, seen);
      await client.opened;
      expect(seen).toEqual([State.CONNECTING, State.OPEN]);
      // The client's order decides: it offered b first, and b is supported.
      expect(peer.getSelectedProtocol()).toBe('b');
      expect(client.ws.protocol).toBe('b');
      expect(peer.getRequestedUrl()).toBe(`ws://${HOST}:${tcp.getLocalPort()}/game/room?id=7&x=y`);
      expect(peer.getConnectedHost()).toBe(HOST);
      expect(peer.getConnectedPort()).toBe((client.ws as unknown as { _socket: Socket })._socket.localPort);
      const headers = await client.upgradeHeaders;
      expect(headers['x-server']).toBe('rxpeer');
      expect(headers['set-cookie']).toEqual(['k=v']);
    });

    it('peers with different settings handshaking at once each answer with their own protocol, headers and limits', async () => {
      // Every accepted stream shares one HTTP parser and the ws servers are shared by their
      // ws options: nothing of one handshake may leak into another.
      const port = tcp.getLocalPort();
      const first = wsClient(`ws://${HOST}:${port}/first`, ['a', 'b']);
      const a = await accept((p) => {
        p.supportedProtocols = ['a'];
        p.handshakeHeaders = ['X-Who: a'];
        p.inboundBufferSize = 16;
      });
      const second = wsClient(`ws://${HOST}:${port}/second`, ['a', 'b']);
      const b = await accept((p) => {
        p.supportedProtocols = ['b'];
        p.handshakeHeaders = ['X-Who: b', 'X-Only-B: yes'];
        p.inboundBufferSize = 1024;
      });
      await Promise.all([pollPeerUntil(a, State.OPEN), pollPeerUntil(b, State.OPEN), first.opened, second.opened]);
      expect([first.ws.protocol, second.ws.protocol]).toEqual(['a', 'b']);
      const [headersA, headersB] = await Promise.all([first.upgradeHeaders, second.upgradeHeaders]);
      expect([headersA['x-who'], headersA['x-only-b']]).toEqual(['a', undefined]);
      expect([headersB['x-who'], headersB['x-only-b']]).toEqual(['b', 'yes']);
      expect([a.getRequestedUrl(), b.getRequestedUrl()]).toEqual([`ws://${HOST}:${port}/first`, `ws://${HOST}:${port}/second`]);

      // 100 bytes: over a's payload limit (closed with 1009), within b's.
      first.ws.send(Buffer.alloc(100));
      second.ws.send(Buffer.alloc(100));
      expect((await first.closed).code).toBe(1009);
      const packets = await pollPeerForPackets(b, 1);
      expect(packets[0]![0].byteLength).toBe(100);
    });

    it('completes a handshake whose request was written before the server took the connection', async () => {
      const raw = await rawConnect(tcp.getLocalPort());
      sockets.push(raw);
      const response = new Promise<string>((resolve) => raw.once('data', (chunk) => resolve(chunk.toString('latin1'))));
      raw.write(upgradeRequest('/early'));
      // The request sits in the queued socket; only now does the server take it.
      await pollUntil(() => {}, () => tcp.isConnectionAvailable(), 'a connection');
      await new Promise((resolve) => setImmediate(resolve));
      const peer = await accept();
      await pollPeerUntil(peer, State.OPEN);
      expect(await within(response, 'the 101 response')).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
      expect(peer.getRequestedUrl()).toBe(`ws://${HOST}:1/early`);
    });

    it('exchanges text, binary and empty messages both ways, in order', async () => {
      const client = wsClient(`ws://${HOST}:${tcp.getLocalPort()}`);
      const peer = await accept();
      await pollPeerUntil(peer, State.OPEN);
      await client.opened;

      client.ws.send('héllo');
      client.ws.send(Buffer.from([1, 2, 3]));
      client.ws.send('');
      client.ws.send(Buffer.alloc(0));
      const packets = await pollPeerForPackets(peer, 4);
      expect(packets.map(([data, isString]) => [Array.from(data), isString])).toEqual([
        [Array.from(new TextEncoder().encode('héllo')), true],
        [[1, 2, 3], false],
        [[], true],
        [[], false],
      ]);

      expect(peer.sendText('from server')).toBe(ErrorCode.OK);
      expect(peer.putPacket(bytes(9, 8))).toBe(ErrorCode.OK);
      expect(peer.send(new TextEncoder().encode('as text'), WriteMode.TEXT)).toBe(ErrorCode.OK);
      const received = [await client.next(), await client.next(), await client.next()];
      expect(received.map(({ data, isBinary }) => [isBinary ? Array.from(data) : data.toString(), isBinary])).toEqual([
        ['from server', false],
        [[9, 8], true],
        ['as text', false],
      ]);
    });

    it('a close started by the client: CLOSED with its code and reason, answered with the same', async () => {
      const client = wsClient(`ws://${HOST}:${tcp.getLocalPort()}`);
      const peer = await accept();
      await pollPeerUntil(peer, State.OPEN);
      await client.opened;
      client.ws.send('last words');
      client.ws.close(4000, 'client bye');
      const seen: State[] = [State.OPEN];
      await pollPeerUntil(peer, State.CLOSED, seen);
      expect(seen).toEqual([State.OPEN, State.CLOSED]); // CLOSING passes inside one poll()
      expect(peer.getCloseCode()).toBe(4000);
      expect(peer.getCloseReason()).toBe('client bye');
      expect(await client.closed).toEqual({ code: 4000, reason: 'client bye' });
      // The message sent before the close is still readable (exact rule 1).
      expect(drain(peer).map(([data]) => text(data))).toEqual(['last words']);
    });

    it('a close started by the server: CLOSING, then CLOSED with the code the client answered', async () => {
      const client = wsClient(`ws://${HOST}:${tcp.getLocalPort()}`);
      const peer = await accept();
      await pollPeerUntil(peer, State.OPEN);
      await client.opened;
      expect(peer.close(3001, 'server bye')).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CLOSING);
      expect(await client.closed).toEqual({ code: 3001, reason: 'server bye' });
      await pollPeerUntil(peer, State.CLOSED);
      expect(peer.getCloseCode()).toBe(3001);
      expect(peer.getCloseReason()).toBe('server bye');
    });

    it('close(-1) drops the client without a close frame (1006 for it)', async () => {
      const client = wsClient(`ws://${HOST}:${tcp.getLocalPort()}`);
      const peer = await accept();
      await pollPeerUntil(peer, State.OPEN);
      await client.opened;
      expect(peer.close(-1)).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CLOSED);
      expect((await client.closed).code).toBe(1006);
      expect(peer.getCloseCode()).toBe(-1);
    });

    it('a client that vanishes leaves the peer CLOSED with -1', async () => {
      const client = wsClient(`ws://${HOST}:${tcp.getLocalPort()}`);
      const peer = await accept();
      await pollPeerUntil(peer, State.OPEN);
      await client.opened;
      client.ws.terminate();
      await pollPeerUntil(peer, State.CLOSED);
      expect(peer.getCloseCode()).toBe(-1);
    });

    it('closes a too big message with 1009 "Message too big" and a bad text frame with 1007', async () => {
      const big = wsClient(`ws://${HOST}:${tcp.getLocalPort()}`);
      const peer = await accept((p) => {
        p.inboundBufferSize = 10;
      });
      await pollPeerUntil(peer, State.OPEN);
      await big.opened;
      big.ws.send(Buffer.alloc(10)); // exactly the limit: fine
      big.ws.send(Buffer.alloc(11));
      expect(await big.closed).toEqual({ code: 1009, reason: 'Message too big' });
      await pollPeerUntil(peer, State.CLOSED);
      expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([1009, 'Message too big']);
      expect(drain(peer).map(([data]) => data.byteLength)).toEqual([10]);

      const bad = wsClient(`ws://${HOST}:${tcp.getLocalPort()}`, [], { skipUTF8Validation: true });
      const second = await accept();
      await pollPeerUntil(second, State.OPEN);
      await bad.opened;
      bad.ws.send(Buffer.from([0xff, 0xfe]), { binary: false });
      expect(await bad.closed).toEqual({ code: 1007, reason: 'Invalid frame payload data' });
      await pollPeerUntil(second, State.CLOSED);
      expect(second.getCloseCode()).toBe(1007);
    });

    it('setNoDelay() while CONNECTING and OPEN does not disturb the connection', async () => {
      const client = wsClient(`ws://${HOST}:${tcp.getLocalPort()}`);
      const peer = await accept();
      peer.setNoDelay(false);
      await pollPeerUntil(peer, State.OPEN);
      peer.setNoDelay(true);
      await client.opened;
      peer.sendText('still fine');
      expect((await client.next()).data.toString()).toBe('still fine');
    });
  });

  describe('with an rxpeer client', () => {
    it('talks and closes both ways', async () => {
      const client = new WebSocketPeer();
      peers.push(client);
      client.supportedProtocols = ['x', 'chat'];
      client.handshakeHeaders = ['X-From: client'];
      expect(client.connectToUrl(`ws://${HOST}:${tcp.getLocalPort()}/lobby`)).toBe(ErrorCode.OK);
      const server = await accept((p) => {
        p.supportedProtocols = ['chat'];
      });
      const pollBoth = (): void => {
        client.poll();
        server.poll();
      };
      await pollUntil(pollBoth, () => client.getReadyState() === State.OPEN && server.getReadyState() === State.OPEN, 'both OPEN');
      expect(client.getSelectedProtocol()).toBe('chat');
      expect(server.getSelectedProtocol()).toBe('chat');
      expect(server.getRequestedUrl()).toBe(`ws://${HOST}:${tcp.getLocalPort()}/lobby`);
      expect(client.getConnectedPort()).toBe(tcp.getLocalPort());

      client.sendText('ping');
      client.putPacket(bytes(0, 255));
      expect((await pollPeerForPackets(server, 2)).map(([d, s]) => [Array.from(d), s])).toEqual([
        [Array.from(new TextEncoder().encode('ping')), true],
        [[0, 255], false],
      ]);
      server.sendText('pong');
      expect(text((await pollPeerForPackets(client, 1))[0]![0])).toBe('pong');

      expect(server.close(4321, 'done here')).toBe(ErrorCode.OK);
      await pollUntil(pollBoth, () => client.getReadyState() === State.CLOSED && server.getReadyState() === State.CLOSED, 'both CLOSED');
      expect([client.getCloseCode(), client.getCloseReason()]).toEqual([4321, 'done here']);
      expect([server.getCloseCode(), server.getCloseReason()]).toEqual([4321, 'done here']);

      // Reuse: the CLOSED peers take the next connection; the old close code is reset.
      expect(client.connectToUrl(`ws://${HOST}:${tcp.getLocalPort()}/again`)).toBe(ErrorCode.OK);
      await pollUntil(() => client.poll(), () => tcp.isConnectionAvailable(), 'the second connection');
      expect(server.acceptStream(tcp.takeConnection()!)).toBe(ErrorCode.OK);
      expect(server.getCloseCode()).toBe(-1);
      await pollUntil(pollBoth, () => client.getReadyState() === State.OPEN && server.getReadyState() === State.OPEN, 'both OPEN again');
      expect(server.getRequestedUrl()).toBe(`ws://${HOST}:${tcp.getLocalPort()}/again`);
      client.close(1000);
      await pollUntil(pollBoth, () => client.getReadyState() === State.CLOSED && server.getReadyState() === State.CLOSED, 'both CLOSED again');
      expect(server.getCloseCode()).toBe(1000);
    });
  });

  describe('with a raw net.Socket (convenience)', () => {
    let server: Server;
    const accepted: Socket[] = [];
    beforeEach(async () => {
      server = createNetServer((socket) => accepted.push(socket));
      await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    });
    afterEach(async () => {
      accepted.splice(0).forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    });

    it('accepts a connected socket once', async () => {
      const port = (server.address() as { port: number }).port;
      const client = wsClient(`ws://${HOST}:${port}/raw`);
      await pollUntil(() => {}, () => accepted.length > 0, 'a raw connection');
      const peer = new WebSocketPeer();
      peers.push(peer);
      expect(peer.acceptStream(accepted[0]!)).toBe(ErrorCode.OK);
      expect(new WebSocketPeer().acceptStream(accepted[0]!)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      await pollPeerUntil(peer, State.OPEN);
      await client.opened;
      expect(peer.getRequestedUrl()).toBe(`ws://${HOST}:${port}/raw`);
    });
  });

  describe('over TLS (StreamPeerTLS)', () => {
    let certificate: Certificate;
    beforeAll(() => {
      certificate = makeCertificate();
    });
    afterAll(() => removeCertificate(certificate));

    async function acceptTls(configure?: (peer: WebSocketPeer) => void): Promise<WebSocketPeer> {
      await pollUntil(() => {}, () => tcp.isConnectionAvailable(), 'a connection');
      const tls = new StreamPeerTLS();
      expect(tls.acceptStream(tcp.takeConnection()!, TLSOptions.server(certificate.key, certificate.cert))).toBe(ErrorCode.OK);
      const peer = new WebSocketPeer();
      configure?.(peer);
      peers.push(peer);
      expect(peer.acceptStream(tls)).toBe(ErrorCode.OK);
      expect(peer.acceptStream(tls)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      return peer;
    }

    it('StreamPeerTLS#acceptStream refuses what is not a TCP stream with server options', async () => {
      sockets.push(await rawConnect(tcp.getLocalPort()));
      await pollUntil(() => {}, () => tcp.isConnectionAvailable(), 'a connection');
      const stream = tcp.takeConnection()!;
      const server = TLSOptions.server(certificate.key, certificate.cert);
      expect(new StreamPeerTLS().acceptStream(stream, TLSOptions.client())).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(new StreamPeerTLS().acceptStream(stream, TLSOptions.clientUnsafe())).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(new StreamPeerTLS().acceptStream(stream, TLSOptions.server('not a key', 'not a cert'))).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(new StreamPeerTLS().acceptStream({} as StreamPeerTCP, server)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(new StreamPeerTLS().acceptStream(stream, null as unknown as TLSOptions)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      const tls = new StreamPeerTLS();
      expect(tls.acceptStream(stream, server)).toBe(ErrorCode.OK);
      expect(tls.acceptStream(stream, server)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      expect(new StreamPeerTLS().acceptStream(stream, server)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      expect(new WebSocketPeer().acceptStream(stream)).toBe(ErrorCode.ERR_ALREADY_IN_USE); // TLS owns it
      tls.disconnectFromHost();
    });

    it('serves a ws client that trusts the certificate: wss:// URL, messages, close codes', async () => {
      const client = wsClient(`wss://${HOST}:${tcp.getLocalPort()}/secure?q=1`, ['s'], { ca: certificate.cert });
      const peer = await acceptTls((p) => {
        p.supportedProtocols = ['s'];
      });
      await pollPeerUntil(peer, State.OPEN);
      await client.opened;
      expect(peer.getRequestedUrl()).toBe(`wss://${HOST}:${tcp.getLocalPort()}/secure?q=1`);
      expect(peer.getSelectedProtocol()).toBe('s');
      expect(peer.getConnectedHost()).toBe(HOST);
      expect(peer.getConnectedPort()).toBe((client.ws as unknown as { _socket: Socket })._socket.localPort);
      client.ws.send('secret');
      expect(text((await pollPeerForPackets(peer, 1))[0]![0])).toBe('secret');
      peer.putPacket(bytes(7));
      expect(Array.from((await client.next()).data)).toEqual([7]);
      client.ws.close(1001, 'going');
      await pollPeerUntil(peer, State.CLOSED);
      expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([1001, 'going']);
    });

    it('serves an rxpeer client that trusts the certificate', async () => {
      const client = new WebSocketPeer();
      peers.push(client);
      expect(client.connectToUrl(`wss://${HOST}:${tcp.getLocalPort()}/`, TLSOptions.client({ trustedCa: certificate.cert }))).toBe(ErrorCode.OK);
      const server = await acceptTls();
      const pollBoth = (): void => {
        client.poll();
        server.poll();
      };
      await pollUntil(pollBoth, () => client.getReadyState() === State.OPEN && server.getReadyState() === State.OPEN, 'both OPEN');
      client.sendText('over tls');
      expect(text((await pollPeerForPackets(server, 1))[0]![0])).toBe('over tls');
      client.close(1000, 'bye');
      await pollUntil(pollBoth, () => client.getReadyState() === State.CLOSED && server.getReadyState() === State.CLOSED, 'both CLOSED');
      expect([server.getCloseCode(), client.getCloseCode()]).toEqual([1000, 1000]);
    });
  });

  it('a connection closed by its client before the server takes it: CLOSED with -1 at a later poll', async () => {
    const raw = await rawConnect(tcp.getLocalPort());
    await pollUntil(() => {}, () => tcp.isConnectionAvailable(), 'a connection');
    raw.destroy();
    const stream = tcp.takeConnection()!;
    await new Promise((resolve) => setImmediate(resolve));
    const peer = new WebSocketPeer();
    peers.push(peer);
    expect(peer.acceptStream(stream)).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CONNECTING);
    await pollPeerUntil(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    await closeOf(raw);
  });
});
