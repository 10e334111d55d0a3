// Part 6, in one process: memory per packet the multiplayer relay holds for slow clients.
// A Godot 3 multiplayer server with 4 receivers that joined and then stopped reading (their
// sockets paused, so the server's writes back up) and one sender that broadcasts 16-byte
// packets. Counted: heap + external after a full GC, before and after, divided by the copies
// still queued in the server (its connections' outbound payload bytes / message size); the
// target compares it with the message (header + payload) + 96 bytes.
//   node --expose-gc bench/relay-memory.mjs [--receivers 4 --packets 400000 --size 16]
import { ConnectionStatus, ErrorCode, WebSocketMultiplayerPeer } from 'rxpeer';
import WebSocket from 'ws';
import { parseChildArgs, runChild, sleep } from './common.mjs';

const HEADER = 9; // Godot 3's multiplayer header, relayed with each packet

runChild(async () => {
  const { receivers = 4, packets = 400_000, size = 16 } = Object.fromEntries(Object.entries(parseChildArgs()).map(([k, v]) => [k, Number(v)]));
  const server = new WebSocketMultiplayerPeer();
  server.outboundBufferSize = 0; // no limit: everything queues, so there is something to weigh
  server.maxQueuedPackets = 10_000_000;
  if (server.createServer(0, '127.0.0.1') !== ErrorCode.OK || (await server.ready()) !== ErrorCode.OK) throw new Error('cannot listen');
  const url = `ws://127.0.0.1:${server.getLocalPort()}`;
  let read = 0;
  const pollUntil = async (what, done, peers) => {
    const deadline = Date.now() + 30_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${server.getPeers().length} peers, ${read} read)`);
      for (const peer of peers) peer.poll();
      await sleep(0);
    }
  };

  const slow = [];
  for (let i = 0; i < receivers; i++) {
    const ws = new WebSocket(url);
    ws.on('error', () => {});
    let open = false;
    ws.once('open', () => (open = true));
    await pollUntil(`receiver ${i} to open`, () => open, [server]); // the server accepts in poll()
    ws._socket.pause(); // reads nothing from now on: the server's writes back up
    slow.push(ws);
  }
  const sender = new WebSocketMultiplayerPeer();
  sender.outboundBufferSize = 0;
  sender.maxQueuedPackets = 10_000_000;
  sender.createClient(url);
  await pollUntil('the sender to join', () => sender.getConnectionStatus() === ConnectionStatus.CONNECTED && server.getPeers().length === receivers + 1, [server, sender]);

  globalThis.gc();
  const before = process.memoryUsage();
  const payload = new Uint8Array(size);
  sender.setTargetPeer(0);
  server.on('peer_packet', () => {
    server.getPacket();
    read++;
  });
  for (let i = 0; i < packets; i++) if (sender.putPacket(payload) !== ErrorCode.OK) throw new Error('sender refused a packet');
  await pollUntil('the server to relay every packet', () => read === packets, [server, sender]);
  globalThis.gc();
  const after = process.memoryUsage();
  const ids = server.getPeers().filter((id) => server.getPeer(id) !== null);
  const queuedBytes = ids.reduce((sum, id) => sum + server.getPeer(id).getCurrentOutboundBufferedAmount(), 0);
  const message = HEADER + size;
  const queued = queuedBytes / message;
  const grown = after.heapUsed + after.external - (before.heapUsed + before.external);
  for (const ws of slow) ws.terminate();
  server.close();
  sender.close();
  return {
    receivers,
    packets,
    size,
    messageBytes: message,
    copiesQueued: Math.round(queued),
    copiesSent: packets * receivers,
    heapAndExternalGrowth: grown,
    bytesPerQueuedCopy: grown / queued,
    dropped: server.getDroppedPacketCount(),
  };
});
