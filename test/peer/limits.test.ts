import WebSocket from 'ws';
import { ErrorCode, State, WriteMode } from '../../src/peer/constants.js';
import { kSetHooks } from '../../src/peer/internal.js';
import { WebSocketPeer } from '../../src/peer/websocket-peer.js';
import { cleanUp, newPeer } from '../helpers/cleanup.js';
import { pollUntil, pollUntilState } from '../helpers/poll.js';
import { startServer, type ServerConnection } from '../helpers/ws-server.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (n: number, fill = 0x61): Uint8Array => new Uint8Array(n).fill(fill);

afterEach(cleanUp);

async function openPeer(setup: (peer: WebSocketPeer) => void = () => {}): Promise<{ peer: WebSocketPeer; conn: ServerConnection }> {
  const server = await startServer();
  const peer = newPeer();
  setup(peer);
  peer.connectToUrl(server.url());
  await pollUntilState(peer, State.OPEN);
  return { peer, conn: await server.connection() };
}

const drained = (peer: WebSocketPeer): Promise<void> =>
  pollUntil(peer, (p) => p.getCurrentOutboundBufferedAmount() === 0, { what: 'the outbound buffer to drain' });

describe('outbound limits (exact rule 4)', () => {
  // ws's write callbacks run asynchronously, so sends inside one synchronous block accumulate.
  it('refuses a message when queued bytes + its bytes > outboundBufferSize; exactly at the limit is OK', async () => {
    const { peer, conn } = await openPeer((p) => (p.outboundBufferSize = 10));
    expect(peer.send(bytes(6))).toBe(ErrorCode.OK);
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(6);
    expect(peer.send(bytes(5))).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    expect(peer.sendText('12345')).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(6);
    expect(peer.send(bytes(4, 0x62), WriteMode.TEXT)).toBe(ErrorCode.OK); // 6 + 4 = 10: at the limit
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(10);
    expect(peer.putPacket(bytes(1))).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    expect(peer.sendText('')).toBe(ErrorCode.OK); // 10 + 0 is not over the limit
    expect(peer.getReadyState()).toBe(State.OPEN);

    const received = await conn.received(3);
    expect(received.map((m) => [m.data.byteLength, m.isBinary])).toEqual([
      [6, true],
      [4, false],
      [0, false],
    ]);
    await drained(peer);
    expect(peer.send(bytes(10))).toBe(ErrorCode.OK);
    expect((await conn.received(4))[3]!.data.byteLength).toBe(10);
    expect(conn.messages).toHaveLength(4);
  });

  it('by default a single message over 65535 bytes can never be sent; 65535 can', async () => {
    const { peer, conn } = await openPeer();
    expect(peer.send(bytes(65536))).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    expect(peer.sendText('x'.repeat(65536))).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    expect(peer.sendText('é'.repeat(32768))).toBe(ErrorCode.ERR_OUT_OF_MEMORY); // 65536 UTF-8 bytes
    expect(peer.send(bytes(65535))).toBe(ErrorCode.OK);
    expect((await conn.received(1))[0]!.data.byteLength).toBe(65535);
  });

  it.each([0, -1])('outboundBufferSize %p disables the byte limit', async (size) => {
    const { peer, conn } = await openPeer((p) => (p.outboundBufferSize = size));
    expect(peer.send(bytes(200_000))).toBe(ErrorCode.OK);
    expect(peer.send(bytes(200_000, 0x62))).toBe(ErrorCode.OK);
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(400_000);
    const received = await conn.received(2);
    expect(received.map((m) => m.data.byteLength)).toEqual([200_000, 200_000]);
    expect(received[1]!.data[199_999]).toBe(0x62);
  });

  it('refuses a message when maxQueuedPackets messages are queued, zero-byte ones included', async () => {
    const { peer, conn } = await openPeer((p) => (p.maxQueuedPackets = 3));
    expect(peer.sendText('a')).toBe(ErrorCode.OK);
    expect(peer.send(new Uint8Array(0))).toBe(ErrorCode.OK);
    expect(peer.putPacket(bytes(1))).toBe(ErrorCode.OK);
    expect(peer.sendText('d')).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    expect(peer.send(new Uint8Array(0))).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    expect(peer.getReadyState()).toBe(State.OPEN);
    await conn.received(3);
    await drained(peer);
    expect(peer.sendText('e')).toBe(ErrorCode.OK);
    const all = await conn.received(4);
    expect(all.map((m) => m.data.toString())).toEqual(['a', '', 'a', 'e']);
  });

  it('takes the limits when the connection starts', async () => {
    const { peer, conn } = await openPeer((p) => (p.outboundBufferSize = 10));
    peer.outboundBufferSize = 1000; // no effect on the live connection
    expect(peer.outboundBufferSize).toBe(1000);
    expect(peer.send(bytes(11))).toBe(ErrorCode.ERR_OUT_OF_MEMORY);
    expect(peer.send(bytes(10))).toBe(ErrorCode.OK);
    await conn.received(1);
  });

  it('getCurrentOutboundBufferedAmount() counts payload bytes while OPEN and is 0 otherwise', async () => {
    const server = await startServer();
    const peer = newPeer();
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(0);
    peer.connectToUrl(server.url());
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(0);
    await pollUntilState(peer, State.OPEN);
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(0);
    peer.sendText('€'); // 3 payload bytes; the frame header is not counted
    peer.send(bytes(5));
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(8);
    await drained(peer);
    peer.send(bytes(5));
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(5);
    peer.close();
    expect(peer.getReadyState()).toBe(State.CLOSING);
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(0);
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(0);
    const conn = await server.connection();
    expect((await conn.received(3)).map((m) => m.data.byteLength)).toEqual([3, 5, 5]);
  });
});

describe('inbound limits', () => {
  it('receives a message of exactly inboundBufferSize bytes, text or binary', async () => {
    const { peer, conn } = await openPeer((p) => (p.inboundBufferSize = 1000));
    await conn.send(Buffer.alloc(1000, 7));
    await conn.send('é'.repeat(500)); // 1000 UTF-8 bytes
    // The queue holds inboundBufferSize bytes too, so the second waits until the first is read.
    await pollUntil(peer, (p) => p.getAvailablePacketCount() === 1, { what: 'a 1000-byte packet' });
    expect(peer.getPacket().byteLength).toBe(1000);
    expect(peer.wasStringPacket()).toBe(false);
    await pollUntil(peer, (p) => p.getAvailablePacketCount() === 1, { what: 'a 1000-byte text packet' });
    expect(text(peer.getPacket())).toBe('é'.repeat(500));
    expect(peer.wasStringPacket()).toBe(true);
    expect(peer.getReadyState()).toBe(State.OPEN);
  });

  it('one byte more: the client closes with 1009 "Message too big" (on the wire and as reported)', async () => {
    const { peer, conn } = await openPeer((p) => (p.inboundBufferSize = 1000));
    const closeRequests: number[] = [];
    const states: State[] = [];
    peer[kSetHooks]({ stateChanged: (s) => states.push(s), wake: () => {}, closeRequested: (code) => closeRequests.push(code) });
    await conn.send('before');
    conn.ws.send(Buffer.alloc(1001));
    expect(await conn.waitClosed()).toEqual({ code: 1009, reason: 'Message too big' });
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(1009);
    expect(peer.getCloseReason()).toBe('Message too big');
    // The peer closed itself: every state is shown, but this was no close request from the remote.
    expect(states).toEqual([State.CLOSING, State.CLOSED]);
    expect(closeRequests).toEqual([]);
    // What arrived before the oversized message is kept (exact rule 1).
    expect(peer.getAvailablePacketCount()).toBe(1);
    expect(text(peer.getPacket())).toBe('before');
  });

  it('by default accepts 65535 bytes and closes with 1009 on 65536', async () => {
    const { peer, conn } = await openPeer();
    await conn.send(Buffer.alloc(65535));
    await pollUntil(peer, (p) => p.getAvailablePacketCount() === 1, { what: 'a 65535-byte packet' });
    expect(peer.getPacket().byteLength).toBe(65535);
    conn.ws.send(Buffer.alloc(65536));
    expect(await conn.waitClosed()).toEqual({ code: 1009, reason: 'Message too big' });
    await pollUntilState(peer, State.CLOSED);
    expect([peer.getCloseCode(), peer.getCloseReason()]).toEqual([1009, 'Message too big']);
  });

  it('takes inboundBufferSize when the connection starts', async () => {
    const { peer, conn } = await openPeer((p) => (p.inboundBufferSize = 1000));
    peer.inboundBufferSize = 5000;
    conn.ws.send(Buffer.alloc(1001));
    expect((await conn.waitClosed()).code).toBe(1009);
    await pollUntilState(peer, State.CLOSED);
    expect(peer.getCloseCode()).toBe(1009);
  });

  it('a full inbound queue pauses reading and loses nothing: every message arrives in order', async () => {
    const pause = jest.spyOn(WebSocket.prototype, 'pause');
    const resume = jest.spyOn(WebSocket.prototype, 'resume');
    try {
      const { peer, conn } = await openPeer((p) => (p.maxQueuedPackets = 2));
      const N = 10;
      // All written before the client polls, so they reach it together.
      await Promise.all(Array.from({ length: N }, (_, i) => conn.send(i % 3 === 0 ? Buffer.from([i]) : `msg ${i}`)));
      await pollUntil(peer, (p) => p.getAvailablePacketCount() === 2, { what: 'a full inbound queue' });
      expect(pause).toHaveBeenCalled();
      const client = pause.mock.contexts.at(-1) as WebSocket;
      expect(client.isPaused).toBe(true);
      // Polling more does not go past the limit while nothing is read.
      for (let i = 0; i < 20; i++) peer.poll();
      expect(peer.getAvailablePacketCount()).toBe(2);

      const got: string[] = [];
      let most = 0;
      await pollUntil(
        peer,
        (p) => {
          most = Math.max(most, p.getAvailablePacketCount());
          if (p.getAvailablePacketCount() > 0) {
            const packet = p.getPacket(); // one per poll: a slow reader
            got.push(p.wasStringPacket() ? text(packet) : `#${packet[0]}`);
          }
          return got.length === N;
        },
        { what: `${N} messages` },
      );
      expect(most).toBeLessThanOrEqual(2);
      expect(got).toEqual(Array.from({ length: N }, (_, i) => (i % 3 === 0 ? `#${i}` : `msg ${i}`)));
      expect(resume.mock.contexts).toContain(client);
      expect(client.isPaused).toBe(false);
      expect(peer.getReadyState()).toBe(State.OPEN);
      // Reading resumed: a later message still arrives.
      await conn.send('after');
      await pollUntil(peer, (p) => p.getAvailablePacketCount() === 1, { what: 'the message after the backlog' });
      expect(text(peer.getPacket())).toBe('after');
    } finally {
      pause.mockRestore();
      resume.mockRestore();
    }
  });

  it('the inbound byte limit also bounds the queue (nothing lost)', async () => {
    const { peer, conn } = await openPeer((p) => (p.inboundBufferSize = 1000));
    await Promise.all([conn.send(Buffer.alloc(400, 1)), conn.send(Buffer.alloc(400, 2)), conn.send(Buffer.alloc(400, 3))]);
    await pollUntil(peer, (p) => p.getAvailablePacketCount() === 2, { what: 'two packets (800 bytes)' });
    for (let i = 0; i < 20; i++) peer.poll();
    expect(peer.getAvailablePacketCount()).toBe(2); // 800 + 400 > 1000
    expect(peer.getPacket()[0]).toBe(1);
    await pollUntil(peer, (p) => p.getAvailablePacketCount() === 2, { what: 'the third packet' });
    expect(peer.getPacket()[0]).toBe(2);
    expect(peer.getPacket()[0]).toBe(3);
    expect(peer.getReadyState()).toBe(State.OPEN);
  });

  it('packets held back by a full queue are still delivered after the close', async () => {
    const { peer, conn } = await openPeer((p) => (p.maxQueuedPackets = 2));
    await Promise.all([conn.send('1'), conn.send('2'), conn.send('3'), conn.send('4')]);
    await pollUntil(peer, (p) => p.getAvailablePacketCount() === 2, { what: 'a full inbound queue' });
    conn.ws.terminate();
    await conn.waitClosed();
    // The socket is paused, so the peer may only learn of the drop once it reads again.
    const got: string[] = [];
    await pollUntil(
      peer,
      (p) => {
        while (p.getAvailablePacketCount() > 0) got.push(text(p.getPacket()));
        return p.getReadyState() === State.CLOSED && p.getAvailablePacketCount() === 0;
      },
      { what: 'CLOSED with everything read' },
    );
    expect(got).toEqual(['1', '2', '3', '4']);
    expect(peer.getCloseCode()).toBe(-1);
  });
});
