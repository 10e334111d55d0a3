// What a drop loses is reported: messages a peer accepted but never wrote to the network
// come back to the send queue's onDrop as `unsent` when the connection is gone. The
// remote is a raw socket on 127.0.0.1 that completes the handshake and stops reading, so
// what is sent piles up in the peer's outbound buffer; then it drops the connection.
import type { Socket } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { ErrorCode, fromPeer, sendQueue, State, WebSocketPeer, type DroppedMessage } from 'rxpeer';
import { pollUntilState, within } from '../helpers/poll.js';
import { startStalledRemote, type StalledRemote } from '../helpers/stalled-remote.js';

let stalled: StalledRemote;
let remote: Promise<Socket>;

beforeEach(async () => {
  stalled = await startStalledRemote();
  remote = stalled.remote;
});

afterEach(() => stalled.close());

async function openPeer(): Promise<WebSocketPeer> {
  const peer = new WebSocketPeer();
  peer.outboundBufferSize = 0; // no limit: let the backlog grow past what the socket takes
  expect(peer.connectToUrl(stalled.url)).toBe(ErrorCode.OK);
  await pollUntilState(peer, State.OPEN);
  return peer;
}

describe('sendQueue() when the connection drops', () => {
  it('reports to onDrop, as unsent, what the peer accepted but never wrote', async () => {
    const peer = await openPeer();
    const socket = fromPeer(peer);
    const drops: DroppedMessage[] = [];
    const queue = sendQueue({ onDrop: (drop) => drops.push(drop) });
    const attachment = queue.attach(socket);
    const big = new Uint8Array(32 * 1024 * 1024); // more than loopback socket buffers take
    expect(queue.send(big)).toBe('sent');
    expect(queue.send('after the big one')).toBe('sent');
    expect(queue.send(Uint8Array.of(1, 2, 3))).toBe('sent');
    expect(peer.getCurrentOutboundBufferedAmount()).toBeGreaterThan(0);

    (await within(remote, 'the remote')).destroy(); // the network fails
    const info = await within(firstValueFrom(socket.close$), 'the close');
    expect(info.wasClean).toBe(false);

    // The big message was cut mid-write; the two behind it never left: all three were lost.
    expect(drops.map((d) => d.reason)).toEqual(['unsent', 'unsent', 'unsent']);
    // The bytes as they were sent (a copy: the peer copies a message when send() takes it).
    expect(Buffer.compare(drops[0]!.message as Uint8Array, big)).toBe(0);
    expect(drops[1]!.message).toBe('after the big one');
    expect([...(drops[2]!.message as Uint8Array)]).toEqual([1, 2, 3]);
    attachment.unsubscribe();
  });

  it('reports nothing when everything was written before a clean end', async () => {
    const peer = await openPeer();
    const socket = fromPeer(peer);
    const drops: DroppedMessage[] = [];
    const queue = sendQueue({ onDrop: (drop) => drops.push(drop) });
    queue.attach(socket);
    expect(queue.send('small')).toBe('sent');
    // A small message goes straight into the kernel's socket buffer: written, not unsent.
    await pollUntilState(peer, State.OPEN);
    for (let i = 0; i < 100 && peer.getCurrentOutboundBufferedAmount() > 0; i++) await new Promise(setImmediate);
    expect(peer.getCurrentOutboundBufferedAmount()).toBe(0);
    peer.close(-1);
    await within(firstValueFrom(socket.close$), 'the close');
    expect(drops).toEqual([]);
  });
});
