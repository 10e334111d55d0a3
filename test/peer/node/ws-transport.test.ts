// WsTransport, the peer's transport over ws: what it does with the caller's bytes and with
// what it could not write. Real ws servers and raw sockets on 127.0.0.1, port 0.
import { Socket } from 'node:net';
import { ErrorCode, State } from '../../../src/peer/constants.js';
import { kTakeUnsent } from '../../../src/peer/internal.js';
import { cleanUp, newPeer, onCleanUp } from '../../helpers/cleanup.js';
import { pollUntil, pollUntilState, within } from '../../helpers/poll.js';
import { startStalledRemote } from '../../helpers/stalled-remote.js';
import { startServer } from '../../helpers/ws-server.js';

afterEach(cleanUp);

/** A server that completes the handshake and then reads nothing: what is sent piles up. */
async function stalledRemote(): Promise<{ url: string; remote: Promise<Socket> }> {
  const stalled = await startStalledRemote();
  onCleanUp(() => stalled.close());
  return stalled;
}

describe('WsTransport', () => {
  it('reports as unsent a message sent just before close(-1) in the same tick (it never reached the socket)', async () => {
    const server = await startServer();
    const peer = newPeer();
    expect(peer.connectToUrl(server.url('/'))).toBe(ErrorCode.OK);
    await pollUntilState(peer, State.OPEN);
    expect(peer.sendText('last words')).toBe(ErrorCode.OK);
    expect(peer.send(Uint8Array.of(7, 8))).toBe(ErrorCode.OK);
    expect(peer.close(-1)).toBe(ErrorCode.OK);
    expect(peer.getReadyState()).toBe(State.CLOSED);
    const unsent = peer[kTakeUnsent]();
    expect(unsent.map((m) => [m.isText, Buffer.from(m.data).toString('latin1')])).toEqual([
      [true, 'last words'],
      [false, '\x07\x08'],
    ]);
  });

  it('with permessage-deflate negotiated, sends what the buffer held at send(): the caller may reuse it at once', async () => {
    const server = await startServer({ ws: { perMessageDeflate: true } });
    const peer = newPeer();
    peer.perMessageDeflate = true;
    expect(peer.connectToUrl(server.url('/'))).toBe(ErrorCode.OK);
    await pollUntilState(peer, State.OPEN);
    const conn = await server.connection();
    expect(conn.ws.extensions).toContain('permessage-deflate');
    const buffer = new Uint8Array(4096);
    const letters = ['A', 'B', 'C', 'D', 'E'];
    for (const letter of letters) {
      buffer.fill(letter.charCodeAt(0));
      expect(peer.send(buffer)).toBe(ErrorCode.OK);
    }
    buffer.fill('Z'.charCodeAt(0)); // reused again before anything was compressed or written
    const received = await conn.received(letters.length);
    expect(received.map((m) => String.fromCharCode(m.data[0]!) + m.data.length)).toEqual(letters.map((l) => `${l}4096`));
    expect(received.every((m) => m.data.every((byte) => byte === m.data[0]))).toBe(true);
  });

  it('to a remote that stopped reading, writes frames in buffers of their own size, not ranges of a shared 16 KiB chunk', async () => {
    const { url, remote } = await stalledRemote();
    const peer = newPeer();
    peer.outboundBufferSize = 0; // no limit: let the backlog grow
    expect(peer.connectToUrl(url)).toBe(ErrorCode.OK);
    await pollUntilState(peer, State.OPEN);
    await within(remote, 'the remote');
    // More than the loopback socket buffers take: the socket stays backed up from here on.
    expect(peer.send(new Uint8Array(32 * 1024 * 1024))).toBe(ErrorCode.OK);
    await pollUntil(peer, () => peer.getCurrentOutboundBufferedAmount() > 0, { what: 'a backlog' });

    const writes: { length: number; backing: number; backedUp: boolean }[] = [];
    const write = Socket.prototype.write;
    onCleanUp(() => void (Socket.prototype.write = write));
    Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (chunk instanceof Uint8Array) writes.push({ length: chunk.length, backing: chunk.buffer.byteLength, backedUp: this.writableLength > 0 });
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof write;
    for (let i = 0; i < 20; i++) {
      expect(peer.sendText(`small ${i}`)).toBe(ErrorCode.OK);
      await new Promise(setImmediate); // one flush each
    }
    Socket.prototype.write = write;
    const backedUp = writes.filter((w) => w.backedUp);
    expect(backedUp.length).toBeGreaterThanOrEqual(20);
    for (const w of backedUp) expect(w.backing).toBeLessThanOrEqual(2 * w.length);
  });
});
