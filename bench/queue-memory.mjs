// Memory held per queued small message in a WebSocketPeer's queues (not a timing test).
// A real ws server and a peer over 127.0.0.1:
//   inbound:  the server sends N small messages; the peer polls (so they are queued) but
//             reads none. Bytes held per message = heap + array-buffer growth / N.
//   outbound: the peer sends N small messages to a server that reads nothing (so they
//             wait in the peer's outbound path). Same measure.
// Run: node --expose-gc bench/queue-memory.mjs [--count 100000] [--size 32]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), Number(all[i + 1])]] : pairs), []),
);
const COUNT = args.count || 100_000;
const SIZE = args.size || 32;
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');

// Bundled next to this file, so that ws and rxjs resolve from the project's node_modules.
const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.queue-memory-'));
const bundle = join(dir, 'rxpeer.mjs');
await build({
  entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: bundle,
  external: ['ws', 'rxjs'],
  logLevel: 'silent',
});
const { WebSocketPeer, State, ErrorCode } = await import(pathToFileURL(bundle).href);
rmSync(dir, { recursive: true, force: true });

const settle = () => new Promise((resolve) => setImmediate(resolve));
function used() {
  global.gc();
  global.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function pollUntil(peer, predicate, limit = 1_000_000) {
  for (let i = 0; i < limit && !predicate(); i++) {
    peer.poll();
    await settle();
  }
  if (!predicate()) throw new Error('gave up waiting');
}

async function withServer(onConnection, run) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', onConnection);
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    return await run(`ws://127.0.0.1:${server.address().port}/`);
  } finally {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
}

function newPeer() {
  const peer = new WebSocketPeer();
  peer.maxQueuedPackets = COUNT + 1;
  peer.inboundBufferSize = COUNT * SIZE + 1;
  peer.outboundBufferSize = 0;
  return peer;
}

async function inbound() {
  const payload = Buffer.alloc(SIZE, 0x61);
  let go;
  const sent = new Promise((resolve) => (go = resolve));
  return withServer(
    (ws) => {
      go(() => {
        for (let i = 0; i < COUNT; i++) ws.send(payload);
      });
    },
    async (url) => {
      const peer = newPeer();
      peer.connectToUrl(url);
      await pollUntil(peer, () => peer.getReadyState() === State.OPEN);
      const send = await sent;
      const before = used();
      send();
      await pollUntil(peer, () => peer.getAvailablePacketCount() >= COUNT);
      const after = used();
      peer.close(-1);
      return (after - before) / COUNT;
    },
  );
}

async function outbound() {
  return withServer(
    (ws) => ws._socket.pause(), // reads nothing: everything waits on the peer's side
    async (url) => {
      const peer = newPeer();
      peer.connectToUrl(url);
      await pollUntil(peer, () => peer.getReadyState() === State.OPEN);
      const message = new Uint8Array(SIZE).fill(0x62);
      const before = used();
      for (let i = 0; i < COUNT; i++) if (peer.putPacket(message) !== ErrorCode.OK) throw new Error(`send ${i} refused`);
      const after = used();
      peer.close(-1);
      return (after - before) / COUNT;
    },
  );
}

const inboundBytes = await inbound();
const outboundBytes = await outbound();
console.log(`queue memory, ${COUNT} messages of ${SIZE} bytes (payload included):`);
console.log(`  inbound  (received, not yet read): ${inboundBytes.toFixed(0)} bytes per message`);
console.log(`  outbound (sent, not yet written):  ${outboundBytes.toFixed(0)} bytes per message`);
