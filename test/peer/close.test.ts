import { ErrorCode, State } from '../../src/peer/constants.js';
import { WebSocketPeer } from '../../src/peer/websocket-peer.js';
import { cleanUp, newPeer } from '../helpers/cleanup.js';
import { pollUntil, pollUntilState, watch, within } from '../helpers/poll.js';
import { startServer, type ServerConnection, type TestServerOptions } from '../helpers/ws-server.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

afterEach(cleanUp);

async function openPeer(options: TestServerOptions = {}): Promise<{ peer: WebSocketPeer; conn: ServerConnection }> {
  const server = await startServer(options);
  const peer = newPeer();
  peer.connectToUrl(server.url());
  await pollUntilState(peer, State.OPEN);
  return { peer, conn: await server.connection() };
}

// 62 × "é" (2 bytes each) = 124 bytes; 61 × "é" + "a" = 123 bytes; 41 × "€" = 123; 31 × "😀" = 124.
const REASON_124 = 'é'.repeat(62);
const REASON_123 = 'é'.repeat(61) + 'a';

describe('WebSocketPeer#close', () => {
  it('the test reasons have the sizes they claim', () => {
    expect(utf8Bytes(REASON_124)).toBe(124);
    expect(utf8Bytes(REASON_123)).toBe(123);
    expect(utf8Bytes('€'.repeat(41))).toBe(123);
    expect(utf8Bytes('😀'.repeat(31))).toBe(124);
  });

  describe('validation (exact rule 2)', () => {
    const invalidCodes: unknown[] = [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535, 0, 1.5, -1.5, NaN, Infinity, '1000', null];

    it.each(invalidCodes)('refuses the code %p with ERR_INVALID_PARAMETER and changes nothing', async (code) => {
      const { peer, conn } = await openPeer();
      expect(peer.close(code as number)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.getReadyState()).toBe(State.OPEN);
      // The connection is untouched: the next valid close is the one the server sees.
      expect(peer.close(3001, 'valid')).toBe(ErrorCode.OK);
      expect(await conn.waitClosed()).toEqual({ code: 3001, reason: 'valid' });
    });

    it.each([
      ['124 bytes of 2-byte characters', REASON_124],
      ['124 bytes of 4-byte characters', '😀'.repeat(31)],
      ['a non-string', 42],
    ])('refuses a reason of %s', async (_, reason) => {
      const { peer, conn } = await openPeer();
      expect(peer.close(1000, reason as string)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.getReadyState()).toBe(State.OPEN);
      expect(peer.sendText('still open')).toBe(ErrorCode.OK);
      expect((await conn.received(1))[0]!.data.toString()).toBe('still open');
    });

    it('validates in every state, also when there is nothing to close', () => {
      const peer = new WebSocketPeer();
      expect(peer.close(1005)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.close(1000, REASON_124)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.close(1000, REASON_123)).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CLOSED);
    });

    it('refuses an invalid code in CONNECTING without aborting the connection', async () => {
      const server = await startServer();
      const peer = newPeer();
      peer.connectToUrl(server.url());
      expect(peer.close(1006)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.close(1000, REASON_124)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(peer.getReadyState()).toBe(State.CONNECTING);
      await pollUntilState(peer, State.OPEN);
    });

    it.each([1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999])('sends the valid code %p', async (code) => {
      const { peer, conn } = await openPeer();
      expect(peer.close(code, 'r')).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CLOSING);
      expect(await conn.waitClosed()).toEqual({ code, reason: 'r' });
      await pollUntilState(peer, State.CLOSED);
      expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([code, 'r']);
    });

    it('accepts a reason of exactly 123 UTF-8 bytes, and it arrives whole', async () => {
      const { peer, conn } = await openPeer();
      expect(peer.close(1000, REASON_123)).toBe(ErrorCode.OK);
      expect(peer.getReadyState()).toBe(State.CLOSING);
      expect(await conn.waitClosed()).toEqual({ code: 1000, reason: REASON_123 });
      await pollUntilState(peer, State.CLOSED);
      expect(peer.getCloseReason()).toBe(REASON_123);
    });
  });

  it('in CONNECTING: CLOSED at once with code -1, and nothing follows', async () => {
    const server = await startServer();
    const peer = newPeer();
    const watched = watch(peer);
    peer.connectToUrl(server.url());
    expect(peer.close()).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    expect(peer.getCloseReason()).toBe('');
    expect(watched.states).toEqual([State.CONNECTING, State.CLOSED]);
    // Whatever the aborted socket does later never reaches the peer.
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      peer.poll();
    }
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(watched.states).toEqual([State.CONNECTING, State.CLOSED]);
    expect(watched.wakes).toBe(0);
  });

  it('close(-1) in OPEN: CLOSED at once, no close frame (the server sees 1006)', async () => {
    const { peer, conn } = await openPeer();
    const watched = watch(peer);
    expect(peer.close(-1)).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    expect(watched.states).toEqual([State.CLOSED]);
    expect(await conn.waitClosed()).toEqual({ code: 1006, reason: '' });
    peer.poll();
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
  });

  it('close(-1000) also aborts', async () => {
    const { peer, conn } = await openPeer();
    expect(peer.close(-1000, 'ignored')).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    expect((await conn.waitClosed()).code).toBe(1006);
  });

  it("close(4000, 'bye'): CLOSING, the server gets 4000/'bye', then CLOSED with the echo", async () => {
    const { peer, conn } = await openPeer();
    const watched = watch(peer);
    expect(peer.close(4000, 'bye')).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSING);
    expect(peer.getCloseCode()).toBe(-1); // nothing received yet
    expect(await conn.waitClosed()).toEqual({ code: 4000, reason: 'bye' });
    await pollUntilState(peer, State.CLOSED);
    expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([4000, 'bye']);
    expect(watched.states).toEqual([State.CLOSING, State.CLOSED]);
  });

  it('reports the code the server answered with, not the one sent', async () => {
    const { peer, conn } = await openPeer();
    // ws answers a close frame by calling close(code, reason) on the instance: answer with another code.
    const originalClose = conn.ws.close.bind(conn.ws);
    conn.ws.close = ((code?: number, reason?: string) =>
      code === 4000 ? originalClose(4100, 'answered') : originalClose(code, reason)) as typeof conn.ws.close;
    peer.close(4000, 'bye');
    expect(await conn.waitClosed()).toEqual({ code: 4000, reason: 'bye' });
    await pollUntilState(peer, State.CLOSED);
    expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([4100, 'answered']);
  });

  it('in CLOSING and CLOSED: a no-op returning OK', async () => {
    const { peer, conn } = await openPeer();
    const watched = watch(peer);
    expect(peer.close(4000, 'first')).toBe(ErrorCode.OK);
    expect(peer.close(4001, 'second')).toBe(ErrorCode.OK);
    expect(peer.close()).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSING);
    expect(await conn.waitClosed()).toEqual({ code: 4000, reason: 'first' });
    await pollUntilState(peer, State.CLOSED);
    expect(peer.close(4002, 'third')).toBe(ErrorCode.OK);
    expect(peer.close(-1)).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([4000, 'first']);
    expect(watched.states).toEqual([State.CLOSING, State.CLOSED]);
  });

  it('on a new peer: OK and still CLOSED', () => {
    const peer = new WebSocketPeer();
    expect(peer.close()).toBe(ErrorCode.OK);
    expect(peer.close(-1)).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
  });

  describe('started by the server', () => {
    it('shows OPEN → CLOSING → CLOSED through the stateChanged hook, with code and reason', async () => {
      const { peer, conn } = await openPeer();
      const watched = watch(peer);
      conn.ws.close(4321, 'server closing');
      expect(await conn.waitClosed()).toEqual({ code: 4321, reason: 'server closing' });
      await pollUntilState(peer, State.CLOSED);
      expect(watched.states).toEqual([State.CLOSING, State.CLOSED]);
      expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([4321, 'server closing']);
    });

    it('an empty close frame reports 1005 and an empty reason', async () => {
      const { peer, conn } = await openPeer();
      conn.ws.close(); // no status code in the frame
      expect((await conn.waitClosed()).code).toBe(1005);
      await pollUntilState(peer, State.CLOSED);
      expect(peer.getCloseCode()).toBe(1005);
      expect(peer.getCloseReason()).toBe('');
    });

    it('packets sent just before the close stay readable after CLOSED (exact rule 1)', async () => {
      const { peer, conn } = await openPeer({});
      const watched = watch(peer);
      const woken = watched.nextWake('the first message');
      // All in one write, so they reach the client in one chunk, close frame included.
      const socket = (conn.ws as unknown as { _socket: import('node:net').Socket })._socket;
      socket.cork();
      conn.ws.send('one');
      conn.ws.send(Buffer.from([2]));
      conn.ws.send('');
      conn.ws.close(4002, 'after three');
      socket.uncork();
      await woken;
      expect(await conn.waitClosed()).toEqual({ code: 4002, reason: 'after three' });
      // Not read while OPEN: nothing has been polled yet.
      expect(peer.getAvailablePacketCount()).toBe(0);
      await pollUntilState(peer, State.CLOSED);
      expect(watched.states).toEqual([State.CLOSING, State.CLOSED]);
      expect(peer.getAvailablePacketCount()).toBe(3);
      expect(text(peer.getPacket())).toBe('one');
      expect(peer.wasStringPacket()).toBe(true);
      expect([...peer.getPacket()]).toEqual([2]);
      expect(peer.wasStringPacket()).toBe(false);
      expect(peer.getPacket().byteLength).toBe(0);
      expect(peer.getPacketError()).toBe(ErrorCode.OK);
      expect(peer.wasStringPacket()).toBe(true);
      expect(peer.getPacket().byteLength).toBe(0);
      expect(peer.getPacketError()).toBe(ErrorCode.ERR_UNAVAILABLE);
      expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([4002, 'after three']);
    });

    it('packets stay readable after an unclean drop too', async () => {
      const { peer, conn } = await openPeer();
      await conn.send('before the drop');
      conn.ws.terminate();
      await conn.waitClosed();
      await pollUntilState(peer, State.CLOSED);
      expect(peer.getCloseCode()).toBe(-1);
      expect(peer.getAvailablePacketCount()).toBe(1);
      expect(text(peer.getPacket())).toBe('before the drop');
    });

    it('packets received while CLOSING are delivered, and the server close wins the race', async () => {
      const { peer, conn } = await openPeer();
      // The server's message is on its way while the client's close frame goes out.
      const sent = conn.send('in flight');
      peer.close(1000, 'client');
      await sent;
      await conn.waitClosed();
      await pollUntilState(peer, State.CLOSED);
      expect(peer.getAvailablePacketCount()).toBe(1);
      expect(text(peer.getPacket())).toBe('in flight');
    });
  });

  describe('closes the peer makes itself because of what it received (exact rule 3)', () => {
    /** Writes raw bytes on the server's socket, bypassing ws's framing. */
    const writeRaw = (conn: ServerConnection, bytes: number[]): void => {
      (conn.ws as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from(bytes));
    };

    it.each([
      ['a text frame with invalid UTF-8', [0x81, 0x02, 0xff, 0xfe], 1007, 'Invalid frame payload data'],
      ['a close reason with invalid UTF-8', [0x88, 0x04, 0x03, 0xe8, 0xff, 0xfe], 1007, 'Invalid frame payload data'],
      ['a reserved opcode', [0x83, 0x00], 1002, 'Protocol error'],
      ['a masked frame from the server', [0x82, 0x81, 1, 2, 3, 4, 5], 1002, 'Protocol error'],
      ['RSV1 without an extension', [0xc2, 0x01, 0x00], 1002, 'Protocol error'],
      ['a close code that may not be sent (999)', [0x88, 0x02, 0x03, 0xe7], 1002, 'Protocol error'],
      ['a fragmented ping', [0x09, 0x00], 1002, 'Protocol error'],
    ])('%s: closes with %p %p, sent on the wire and reported', async (_, bytes, code, reason) => {
      const { peer, conn } = await openPeer();
      await conn.send('kept');
      writeRaw(conn, bytes as number[]);
      expect(await conn.waitClosed()).toEqual({ code, reason });
      await pollUntilState(peer, State.CLOSED);
      expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([code, reason]);
      expect(peer.getAvailablePacketCount()).toBe(1);
      expect(text(peer.getPacket())).toBe('kept');
    });
  });

  it('answers the server\'s pings by itself', async () => {
    const { peer, conn } = await openPeer();
    const pong = new Promise<Buffer>((resolve) => conn.ws.once('pong', resolve));
    conn.ws.ping(Buffer.from('are you there'));
    expect((await within(pong, 'the pong')).toString()).toBe('are you there');
    peer.poll();
    expect(peer.getReadyState()).toBe(State.OPEN);
    expect(peer.getAvailablePacketCount()).toBe(0); // control frames are not packets
  });

  it('getCloseCode stays -1 and no state is skipped when the server drops the connection', async () => {
    const { peer, conn } = await openPeer();
    const watched = watch(peer);
    conn.ws.terminate();
    await pollUntil(peer, (p) => p.getReadyState() === State.CLOSED, { what: 'CLOSED after the drop' });
    expect(peer.getCloseCode()).toBe(-1);
    expect(peer.getCloseReason()).toBe('');
    expect(watched.states).toEqual([State.CLOSED]);
  });
});
