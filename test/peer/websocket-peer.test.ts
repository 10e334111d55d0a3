import { Socket } from 'node:net';
import { ErrorCode, State, WriteMode } from '../../src/peer/constants.js';
import { TLSOptions } from '../../src/peer/tls-options.js';
import { WebSocketPeer } from '../../src/peer/websocket-peer.js';
import { cleanUp, newPeer, onCleanUp } from '../helpers/cleanup.js';
import { pollUntil, pollUntilState, watch } from '../helpers/poll.js';
import { startServer, type ServerConnection } from '../helpers/ws-server.js';

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

afterEach(cleanUp);

/** A peer connected to a fresh server and OPEN, with the server side of the connection. */
async function openPeer(
  options: Parameters<typeof startServer>[0] = {},
  setup: (peer: WebSocketPeer) => void = () => {},
  path = '/',
): Promise<{ peer: WebSocketPeer; conn: ServerConnection; url: string; port: number }> {
  const server = await startServer(options);
  const peer = newPeer();
  setup(peer);
  const url = server.url(path);
  expect(peer.connectToUrl(url)).toBe(ErrorCode.OK);
  await pollUntilState(peer, State.OPEN);
  return { peer, conn: await server.connection(), url, port: server.port };
}

describe('WebSocketPeer', () => {
  describe('a new peer', () => {
    it('has Godot defaults and is CLOSED', () => {
      const peer = new WebSocketPeer();
      expect(peer.getReadyState()).toBe(State.CLOSED);
      expect(peer.inboundBufferSize).toBe(65535);
      expect(peer.outboundBufferSize).toBe(65535);
      expect(peer.maxQueuedPackets).toBe(2048);
      expect(peer.heartbeatInterval).toBe(0);
      expect(peer.handshakeHeaders).toEqual([]);
      expect(peer.supportedProtocols).toEqual([]);
      expect(peer.getCloseCode()).toBe(-1);
      expect(peer.getCloseReason()).toBe('');
      expect(peer.getAvailablePacketCount()).toBe(0);
      expect(peer.getCurrentOutboundBufferedAmount()).toBe(0);
      expect(peer.getConnectedHost()).toBe('');
      expect(peer.getConnectedPort()).toBe(0);
      expect(peer.getRequestedUrl()).toBe('');
      expect(peer.getSelectedProtocol()).toBe('');
      expect(peer.wasStringPacket()).toBe(false);
      peer.poll(); // nothing to do, nothing thrown
      expect(peer.getReadyState()).toBe(State.CLOSED);
    });

    it('does not share array defaults between peers', () => {
      const a = new WebSocketPeer();
      const b = new WebSocketPeer();
      a.handshakeHeaders.push('X-A: 1');
      a.supportedProtocols.push('a');
      expect(b.handshakeHeaders).toEqual([]);
      expect(b.supportedProtocols).toEqual([]);
    });

    it('returns an empty packet and ERR_UNAVAILABLE when nothing was received', () => {
      const peer = new WebSocketPeer();
      expect(peer.getPacketError()).toBe(ErrorCode.OK);
      const packet = peer.getPacket();
      expect(packet).toBeInstanceOf(Uint8Array);
      expect(packet.byteLength).toBe(0);
      expect(peer.getPacketError()).toBe(ErrorCode.ERR_UNAVAILABLE);
    });
  });

  describe('property setters', () => {
    it.each([0, -1, 1.5, NaN, Infinity, '100' as unknown as number, null as unknown as number])(
      'inboundBufferSize and maxQueuedPackets ignore %p',
      (value) => {
        const peer = new WebSocketPeer();
        peer.inboundBufferSize = 1000;
        peer.maxQueuedPackets = 10;
        peer.inboundBufferSize = value;
        peer.maxQueuedPackets = value;
        expect(peer.inboundBufferSize).toBe(1000);
        expect(peer.maxQueuedPackets).toBe(10);
      },
    );

    it.each([1.5, NaN, Infinity, -Infinity, '100' as unknown as number, undefined as unknown as number])(
      'outboundBufferSize ignores %p',
      (value) => {
        const peer = new WebSocketPeer();
        peer.outboundBufferSize = 1000;
        peer.outboundBufferSize = value;
        expect(peer.outboundBufferSize).toBe(1000);
      },
    );

    it('outboundBufferSize takes 0 and negative values (no byte limit)', () => {
      const peer = new WebSocketPeer();
      peer.outboundBufferSize = 0;
      expect(peer.outboundBufferSize).toBe(0);
      peer.outboundBufferSize = -5;
      expect(peer.outboundBufferSize).toBe(-5);
    });

    it.each([-1, -0.001, NaN, Infinity, '1' as unknown as number])('heartbeatInterval ignores %p', (value) => {
      const peer = new WebSocketPeer();
      peer.heartbeatInterval = 2.5;
      peer.heartbeatInterval = value;
      expect(peer.heartbeatInterval).toBe(2.5);
    });

    it('takes valid values', () => {
      const peer = new WebSocketPeer();
      peer.inboundBufferSize = 1;
      peer.outboundBufferSize = 7;
      peer.maxQueuedPackets = 1;
      peer.heartbeatInterval = 0.05;
      expect([peer.inboundBufferSize, peer.outboundBufferSize, peer.maxQueuedPackets, peer.heartbeatInterval]).toEqual([
        1, 7, 1, 0.05,
      ]);
      peer.heartbeatInterval = 0;
      expect(peer.heartbeatInterval).toBe(0);
    });
  });

  describe('#connectToUrl', () => {
    const invalidUrls: [string, unknown][] = [
      ['an empty URL', ''],
      ['an unparsable URL', 'not a url'],
      ['a URL without a host', 'ws://'],
      ['http://', 'http://127.0.0.1:1/'],
      ['https://', 'https://127.0.0.1:1/'],
      ['a non-string', 42],
    ];
    it.each(invalidUrls)('refuses %s with ERR_INVALID_PARAMETER', (_, url) => {
      const peer = newPeer();
      expect(peer.connectToUrl(url as string)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.getReadyState()).toBe(State.CLOSED);
      expect(peer.getRequestedUrl()).toBe('');
    });

    it('refuses server TLSOptions', () => {
      const peer = newPeer();
      expect(peer.connectToUrl('wss://127.0.0.1:1/', TLSOptions.server('-----BEGIN PRIVATE KEY-----', '-----BEGIN CERTIFICATE-----'))).toBe(
        ErrorCode.ERR_INVALID_PARAMETER,
      );
      expect(peer.getReadyState()).toBe(State.CLOSED);
    });

    const badHeaders: [string, string][] = [
      ['CR/LF (header injection)', 'X-Test: a\r\nX-Injected: b'],
      ['a bare LF', 'X-Test: a\nX-Injected: b'],
      ['a bare CR', 'X-Test: a\rb'],
      ['no colon', 'X-Test'],
      ['an empty name', ': value'],
      ['a name that is not a token', 'X Test: value'],
    ];
    it.each(badHeaders)('refuses a handshake header with %s', (_, line) => {
      const peer = newPeer();
      peer.handshakeHeaders = ['X-Good: 1', line];
      expect(peer.connectToUrl('ws://127.0.0.1:1/')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.getReadyState()).toBe(State.CLOSED);
    });

    it.each([['a b'], ['a,b'], [''], ['  '], ['x"y'], ['proto/1']])(
      'refuses the subprotocol %p (not a token)',
      (protocol) => {
        const peer = newPeer();
        peer.supportedProtocols = ['good', protocol];
        expect(peer.connectToUrl('ws://127.0.0.1:1/')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
        expect(peer.getReadyState()).toBe(State.CLOSED);
      },
    );

    it('returns ERR_ALREADY_IN_USE while CONNECTING and while OPEN', async () => {
      const server = await startServer();
      const peer = newPeer();
      expect(peer.connectToUrl(server.url())).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CONNECTING);
      expect(peer.connectToUrl(server.url('/other'))).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      expect(peer.getRequestedUrl()).toBe(server.url());
      await pollUntilState(peer, State.OPEN);
      expect(peer.connectToUrl(server.url('/other'))).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      expect(peer.getReadyState()).toBe(State.OPEN);
      expect(peer.getRequestedUrl()).toBe(server.url());
      // Still the one connection, still working.
      expect(peer.sendText('still here')).toBe(ErrorCode.OK);
      const conn = await server.connection();
      expect(text((await conn.received(1))[0]!.data)).toBe('still here');
      expect(server.connections).toHaveLength(1);
    });

    it('offers what a subclass declares as class fields (supportedProtocols, handshakeHeaders)', async () => {
      class GamePeer extends WebSocketPeer {
        override supportedProtocols = ['game-v1'];
        override handshakeHeaders = ['X-Game: 7'];
      }
      const server = await startServer({ ws: { handleProtocols: (protocols) => [...protocols][0] ?? false } });
      const peer = new GamePeer();
      onCleanUp(() => peer.close(-1));
      expect(peer.connectToUrl(server.url('/'))).toBe(ErrorCode.OK);
      await pollUntilState(peer, State.OPEN);
      expect(peer.getSelectedProtocol()).toBe('game-v1');
      expect((await server.connection(0)).request.headers['x-game']).toBe('7');
    });

    it('reuses a CLOSED peer: close code, reason, protocol and queues are reset', async () => {
      const server = await startServer({
        ws: { handleProtocols: (protocols) => [...protocols][0] ?? false },
      });
      const peer = newPeer();
      peer.supportedProtocols = ['chat'];
      peer.connectToUrl(server.url('/first'));
      await pollUntilState(peer, State.OPEN);
      expect(peer.getSelectedProtocol()).toBe('chat');
      const first = await server.connection(0);
      await first.send('unread 1');
      await first.send('unread 2');
      first.ws.close(4001, 'first done');
      await pollUntilState(peer, State.CLOSED);
      expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([4001, 'first done']);
      expect(peer.getAvailablePacketCount()).toBe(2);

      peer.supportedProtocols = [];
      expect(peer.connectToUrl(server.url('/second'))).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CONNECTING);
      expect(peer.getCloseCode()).toBe(-1);
      expect(peer.getCloseReason()).toBe('');
      expect(peer.getSelectedProtocol()).toBe('');
      expect(peer.getAvailablePacketCount()).toBe(0);
      expect(peer.getPacket().byteLength).toBe(0);
      expect(peer.getPacketError()).toBe(ErrorCode.ERR_UNAVAILABLE);
      expect(peer.getRequestedUrl()).toBe(server.url('/second'));
      expect(peer.getConnectedPort()).toBe(0);

      await pollUntilState(peer, State.OPEN);
      const second = await server.connection(1);
      expect(second.request.url).toBe('/second');
      expect(peer.getSelectedProtocol()).toBe('');
      expect(peer.getAvailablePacketCount()).toBe(0);
      await second.send('fresh');
      await pollUntil(peer, (p) => p.getAvailablePacketCount() === 1, { what: 'the fresh packet' });
      expect(text(peer.getPacket())).toBe('fresh');
      expect(peer.getAvailablePacketCount()).toBe(0);
    });

    it('reuses a CLOSING peer: the new connection opens, the old one is dropped', async () => {
      const server = await startServer();
      const peer = newPeer();
      peer.connectToUrl(server.url('/old'));
      await pollUntilState(peer, State.OPEN);
      const old = await server.connection(0);
      await old.send('from the old connection');
      expect(peer.close(4000, 'leaving')).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CLOSING);
      expect(peer.connectToUrl(server.url('/new'))).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CONNECTING);
      expect(peer.getAvailablePacketCount()).toBe(0);
      await pollUntilState(peer, State.OPEN);
      const fresh = await server.connection(1);
      expect(fresh.request.url).toBe('/new');
      // The old connection is dropped at once (as in Godot), right after its close frame was
      // queued: the server sees 4000 if that frame got out first, 1006 if not.
      expect([4000, 1006]).toContain((await old.waitClosed()).code);
      // Nothing of the old connection reaches the new one.
      peer.poll();
      expect(peer.getReadyState()).toBe(State.OPEN);
      expect(peer.getAvailablePacketCount()).toBe(0);
      expect(peer.getCloseCode()).toBe(-1);
    });

    it('reuses a peer whose connection failed', async () => {
      const server = await startServer();
      const peer = newPeer();
      peer.connectToUrl('ws://127.0.0.1:1/'); // nothing listens on port 1
      await pollUntilState(peer, State.CLOSED);
      expect(peer.connectToUrl(server.url())).toBe(ErrorCode.OK);
      await pollUntilState(peer, State.OPEN);
      expect(peer.getConnectedPort()).toBe(server.port);
    });
  });

  describe('nothing is visible before poll()', () => {
    it('the open', async () => {
      const server = await startServer();
      const peer = newPeer();
      const watched = watch(peer);
      peer.connectToUrl(server.url());
      expect(watched.states).toEqual([State.CONNECTING]);
      const woken = watched.nextWake('the open');
      await server.connection(); // the server finished its side of the handshake
      await woken;
      expect(peer.getReadyState()).toBe(State.CONNECTING);
      expect(peer.getConnectedHost()).toBe('');
      expect(watched.states).toEqual([State.CONNECTING]);
      peer.poll();
      expect(peer.getReadyState()).toBe(State.OPEN);
      expect(watched.states).toEqual([State.CONNECTING, State.OPEN]);
    });

    it('a message', async () => {
      const { peer, conn } = await openPeer();
      const watched = watch(peer);
      const woken = watched.nextWake('the message');
      await conn.send('hello');
      await woken;
      expect(peer.getAvailablePacketCount()).toBe(0);
      expect(peer.getPacket().byteLength).toBe(0);
      expect(peer.getPacketError()).toBe(ErrorCode.ERR_UNAVAILABLE);
      peer.poll();
      expect(peer.getAvailablePacketCount()).toBe(1);
      expect(text(peer.getPacket())).toBe('hello');
    });

    it('a close', async () => {
      const { peer, conn } = await openPeer();
      const watched = watch(peer);
      const woken = watched.nextWake('the close');
      conn.ws.close(4000, 'server says bye');
      await conn.waitClosed();
      await woken;
      expect(peer.getReadyState()).toBe(State.OPEN);
      expect(peer.getCloseCode()).toBe(-1);
      expect(watched.states).toEqual([]);
      await pollUntilState(peer, State.CLOSED);
      expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([4000, 'server says bye']);
    });
  });

  describe('messages', () => {
    function echoTo(conn: ServerConnection): void {
      conn.ws.on('message', (data, isBinary) => conn.ws.send(data, { binary: isBinary }));
    }

    it('sends text and binary frames to the server', async () => {
      const { peer, conn } = await openPeer();
      const bytes = new Uint8Array([0, 1, 2, 250, 255]);
      expect(peer.sendText('héllo ✓')).toBe(ErrorCode.OK);
      expect(peer.send(bytes)).toBe(ErrorCode.OK);
      expect(peer.send(utf8.encode('as text'), WriteMode.TEXT)).toBe(ErrorCode.OK);
      expect(peer.send(new Uint8Array([9]), WriteMode.BINARY)).toBe(ErrorCode.OK);
      expect(peer.putPacket(utf8.encode('put'))).toBe(ErrorCode.OK);
      const received = await conn.received(5);
      expect(received.map((m) => m.isBinary)).toEqual([false, true, false, true, true]);
      expect(received[0]!.data.toString()).toBe('héllo ✓');
      expect([...received[1]!.data]).toEqual([0, 1, 2, 250, 255]);
      expect(received[2]!.data.toString()).toBe('as text');
      expect([...received[3]!.data]).toEqual([9]);
      expect(received[4]!.data.toString()).toBe('put');
      // The client masks its frames; the caller's buffer must not be touched.
      expect([...bytes]).toEqual([0, 1, 2, 250, 255]);
    });

    it('sends a view into a larger buffer as just its bytes', async () => {
      const { peer, conn } = await openPeer();
      const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
      expect(peer.send(whole.subarray(2, 4))).toBe(ErrorCode.OK);
      const [message] = await conn.received(1);
      expect([...message!.data]).toEqual([3, 4]);
    });

    it('receives text and binary frames, with wasStringPacket()', async () => {
      const { peer, conn } = await openPeer();
      await conn.send('text ✓');
      await conn.send(Buffer.from([7, 8, 9]));
      await pollUntil(peer, (p) => p.getAvailablePacketCount() === 2, { what: 'two packets' });
      expect(text(peer.getPacket())).toBe('text ✓');
      expect(peer.getPacketError()).toBe(ErrorCode.OK);
      expect(peer.wasStringPacket()).toBe(true);
      expect([...peer.getPacket()]).toEqual([7, 8, 9]);
      expect(peer.wasStringPacket()).toBe(false);
      expect(peer.getAvailablePacketCount()).toBe(0);
    });

    it('delivers zero-byte messages both ways', async () => {
      const { peer, conn } = await openPeer();
      expect(peer.sendText('')).toBe(ErrorCode.OK);
      expect(peer.send(new Uint8Array(0))).toBe(ErrorCode.OK);
      expect(peer.send(new Uint8Array(0), WriteMode.TEXT)).toBe(ErrorCode.OK);
      const received = await conn.received(3);
      expect(received.map((m) => [m.data.byteLength, m.isBinary])).toEqual([
        [0, false],
        [0, true],
        [0, false],
      ]);
      await conn.send('');
      await conn.send(Buffer.alloc(0));
      await pollUntil(peer, (p) => p.getAvailablePacketCount() === 2, { what: 'two empty packets' });
      expect(peer.getPacket().byteLength).toBe(0);
      expect(peer.getPacketError()).toBe(ErrorCode.OK);
      expect(peer.wasStringPacket()).toBe(true);
      expect(peer.getPacket().byteLength).toBe(0);
      expect(peer.getPacketError()).toBe(ErrorCode.OK);
      expect(peer.wasStringPacket()).toBe(false);
      expect(peer.getPacket().byteLength).toBe(0);
      expect(peer.getPacketError()).toBe(ErrorCode.ERR_UNAVAILABLE);
    });

    it('keeps the order of many messages through an echo', async () => {
      const { peer, conn } = await openPeer();
      echoTo(conn);
      for (let i = 0; i < 100; i++) {
        expect(i % 2 === 0 ? peer.sendText(`m${i}`) : peer.send(new Uint8Array([i]))).toBe(ErrorCode.OK);
      }
      const got: string[] = [];
      await pollUntil(
        peer,
        (p) => {
          while (p.getAvailablePacketCount() > 0) {
            const packet = p.getPacket();
            got.push(p.wasStringPacket() ? text(packet) : `#${packet[0]}`);
          }
          return got.length === 100;
        },
        { what: '100 echoed messages' },
      );
      expect(got).toEqual(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? `m${i}` : `#${i}`)));
    });

    it.each([
      ['a string', 'text'],
      ['a number array', [1, 2, 3]],
      ['an ArrayBuffer', new ArrayBuffer(3)],
      ['null', null],
    ])('send() with %s returns ERR_INVALID_PARAMETER', async (_, value) => {
      const { peer, conn } = await openPeer();
      expect(peer.send(value as unknown as Uint8Array)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.putPacket(value as unknown as Uint8Array)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.sendText(42 as unknown as string)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      // Nothing went out: the next message is the first the server sees.
      expect(peer.sendText('marker')).toBe(ErrorCode.OK);
      const [first] = await conn.received(1);
      expect(first!.data.toString()).toBe('marker');
      expect(peer.getReadyState()).toBe(State.OPEN);
    });

    it('send() with an unknown write mode returns ERR_INVALID_PARAMETER', async () => {
      const { peer } = await openPeer();
      expect(peer.send(new Uint8Array([1]), 7 as WriteMode)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    });

    it('WriteMode.TEXT with invalid UTF-8 returns ERR_INVALID_DATA and sends nothing', async () => {
      const { peer, conn } = await openPeer();
      expect(peer.send(new Uint8Array([0xff, 0xfe]), WriteMode.TEXT)).toBe(ErrorCode.ERR_INVALID_DATA);
      expect(peer.send(new Uint8Array([0xe2, 0x82]), WriteMode.TEXT)).toBe(ErrorCode.ERR_INVALID_DATA); // truncated €
      expect(peer.send(new Uint8Array([0xff, 0xfe]), WriteMode.BINARY)).toBe(ErrorCode.OK);
      const [first] = await conn.received(1);
      expect(first!.isBinary).toBe(true);
      expect(peer.getReadyState()).toBe(State.OPEN);
    });

    it('send(), sendText() and putPacket() return FAILED unless OPEN', async () => {
      const server = await startServer();
      const peer = newPeer();
      const tryAll = (): ErrorCode[] => [
        peer.send(new Uint8Array([1])),
        peer.send(utf8.encode('x'), WriteMode.TEXT),
        peer.sendText('x'),
        peer.putPacket(new Uint8Array([1])),
      ];
      const allFailed = [ErrorCode.FAILED, ErrorCode.FAILED, ErrorCode.FAILED, ErrorCode.FAILED];
      expect(tryAll()).toEqual(allFailed); // new, CLOSED
      peer.connectToUrl(server.url());
      expect(tryAll()).toEqual(allFailed); // CONNECTING
      await pollUntilState(peer, State.OPEN);
      peer.close(1000);
      expect(peer.getReadyState()).toBe(State.CLOSING);
      expect(tryAll()).toEqual(allFailed); // CLOSING
      await pollUntilState(peer, State.CLOSED);
      expect(tryAll()).toEqual(allFailed); // CLOSED
      const conn = await server.connection();
      expect(await conn.waitClosed()).toEqual({ code: 1000, reason: '' });
      expect(conn.messages).toEqual([]);
    });

    it('send() returns FAILED while the remote close is recorded but not yet polled', async () => {
      const { peer, conn } = await openPeer();
      const watched = watch(peer);
      const woken = watched.nextWake('the close');
      conn.ws.close(1000);
      await conn.waitClosed();
      await woken;
      expect(peer.getReadyState()).toBe(State.OPEN);
      expect(peer.sendText('too late')).toBe(ErrorCode.FAILED);
    });
  });

  describe('handshake details', () => {
    it('offers the subprotocols with whitespace stripped and reports the one the server chose', async () => {
      let offered: string[] = [];
      const { peer, conn } = await openPeer(
        {
          ws: {
            handleProtocols: (protocols) => {
              offered = [...protocols];
              return 'superchat';
            },
          },
        },
        (p) => (p.supportedProtocols = [' chat ', '\tsuperchat\t']),
      );
      expect(offered).toEqual(['chat', 'superchat']);
      expect(conn.request.headers['sec-websocket-protocol']?.split(/,\s*/)).toEqual(['chat', 'superchat']);
      expect(peer.getSelectedProtocol()).toBe('superchat');
      expect(conn.ws.protocol).toBe('superchat');
      // The property itself is left as the user wrote it.
      expect(peer.supportedProtocols).toEqual([' chat ', '\tsuperchat\t']);
    });

    it('sends handshakeHeaders with the request', async () => {
      const { conn } = await openPeer({}, (p) => {
        p.handshakeHeaders = ['X-Token: abc123', 'X-Spaced:   padded value  ', 'X-Empty:', 'x-multi: 1', 'X-Multi: 2'];
      });
      const headers = conn.request.headers;
      expect(headers['x-token']).toBe('abc123');
      expect(headers['x-spaced']).toBe('padded value');
      expect(headers['x-empty']).toBe('');
      expect(headers['x-multi']).toBe('1, 2');
      expect(headers['x-injected']).toBeUndefined();
    });

    it('reports the connected host and port, and the requested URL as passed', async () => {
      const server = await startServer();
      const peer = newPeer();
      const url = `ws://127.0.0.1:${server.port}`; // no path: kept exactly as passed
      peer.connectToUrl(url);
      expect(peer.getRequestedUrl()).toBe(url);
      await pollUntilState(peer, State.OPEN);
      const conn = await server.connection();
      expect(conn.request.url).toBe('/');
      expect(peer.getRequestedUrl()).toBe(url);
      expect(peer.getConnectedHost()).toBe('127.0.0.1');
      expect(peer.getConnectedPort()).toBe(server.port);
    });

    it('keeps path and query in the request', async () => {
      const { peer, conn, url } = await openPeer({}, () => {}, '/game/room?id=7&x=%20');
      expect(conn.request.url).toBe('/game/room?id=7&x=%20');
      expect(peer.getRequestedUrl()).toBe(url);
    });

    it('setNoDelay() does not throw before, during and after a connection, and reaches the socket', async () => {
      const setNoDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
      try {
        const server = await startServer();
        const peer = newPeer();
        expect(() => peer.setNoDelay(false)).not.toThrow();
        peer.connectToUrl(server.url());
        expect(() => peer.setNoDelay(false)).not.toThrow();
        await pollUntilState(peer, State.OPEN);
        // The client's socket is the one whose remote port is the server's.
        const clientCalls = (): unknown[][] =>
          setNoDelay.mock.calls.filter((_, i) => (setNoDelay.mock.contexts[i] as Socket).remotePort === server.port);
        expect(clientCalls().length).toBeGreaterThan(0);
        expect(clientCalls().at(-1)).toEqual([false]);
        expect(() => peer.setNoDelay(true)).not.toThrow();
        expect(clientCalls().at(-1)).toEqual([true]);
        peer.close(-1);
        expect(() => peer.setNoDelay(false)).not.toThrow();
      } finally {
        setNoDelay.mockRestore();
      }
    });

    it('turns Nagle off by default', async () => {
      const setNoDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
      try {
        const { port } = await openPeer();
        const clientCalls = setNoDelay.mock.calls.filter(
          (_, i) => (setNoDelay.mock.contexts[i] as Socket).remotePort === port,
        );
        expect(clientCalls.length).toBeGreaterThan(0);
        expect(clientCalls.every(([enabled]) => enabled === undefined || enabled === true)).toBe(true);
      } finally {
        setNoDelay.mockRestore();
      }
    });
  });
});
