// An echo server in its own process, on 127.0.0.1 and a free port. `--kind`:
//   ws          ws's WebSocketServer (perMessageDeflate off): the echo server of parts 1
//               and 2 and the reference of part 3
//   tcp-server  rxpeer's TCPServer + WebSocketPeer.acceptStream, Godot 4's way: one loop
//               that accepts, polls every peer and echoes, as fast as Node allows (setImmediate)
//   listen      rxpeer's listen(): each client an ObservablePeer polled on demand
// Tells the orchestrator its port; answers 'stats', 'cpu' and 'memory' (after full
// collections when run with --expose-gc) requests over IPC.
import { listen, ErrorCode, State, TCPServer, WebSocketPeer, WriteMode } from 'rxpeer';
import { mergeMap, tap } from 'rxjs';
import { WebSocketServer } from 'ws';
import { parseChildArgs, PEER_BUFFER_BYTES, report } from './common.mjs';

const { kind = 'ws' } = parseChildArgs();

const stats = { kind, connections: 0, open: 0, offeredDeflate: 0, negotiatedExtensions: 0, byPath: {}, sendFailures: 0 };

function countConnection(path, offered, negotiated) {
  stats.connections++;
  stats.open++;
  const entry = (stats.byPath[path] ??= { connections: 0, offeredDeflate: 0, negotiatedExtensions: 0 });
  entry.connections++;
  if (offered) {
    stats.offeredDeflate++;
    entry.offeredDeflate++;
  }
  if (negotiated) {
    stats.negotiatedExtensions++;
    entry.negotiatedExtensions++;
  }
}

function startWs() {
  return new Promise((resolve) => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
    server.on('connection', (ws, request) => {
      const offered = /permessage-deflate/i.test(request.headers['sec-websocket-extensions'] ?? '');
      countConnection(new URL(request.url, 'ws://x').pathname, offered, ws.extensions !== '');
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('error', () => {});
      ws.on('close', () => stats.open--);
    });
    server.on('listening', () => resolve(server.address().port));
  });
}

function configure(peer) {
  peer.inboundBufferSize = PEER_BUFFER_BYTES;
  peer.outboundBufferSize = PEER_BUFFER_BYTES;
  return peer;
}

async function startTcpServer() {
  const server = new TCPServer();
  if (server.listen(0, '127.0.0.1') !== ErrorCode.OK || (await server.ready()) !== ErrorCode.OK) {
    throw new Error('TCPServer could not listen');
  }
  const peers = [];
  const loop = () => {
    while (server.isConnectionAvailable()) {
      const peer = configure(new WebSocketPeer());
      if (peer.acceptStream(server.takeConnection()) === ErrorCode.OK) peers.push({ peer, open: false });
    }
    for (let i = 0; i < peers.length; i++) {
      const entry = peers[i];
      const peer = entry.peer;
      peer.poll();
      const state = peer.getReadyState();
      if (state === State.OPEN) {
        if (!entry.open) {
          entry.open = true;
          countConnection(new URL(peer.getRequestedUrl()).pathname, false, false);
        }
        while (peer.getAvailablePacketCount() > 0) {
          const packet = peer.getPacket();
          if (peer.send(packet, peer.wasStringPacket() ? WriteMode.TEXT : WriteMode.BINARY) !== ErrorCode.OK) stats.sendFailures++;
        }
      } else if (state === State.CLOSED) {
        if (entry.open) stats.open--;
        peers[i] = peers[peers.length - 1];
        peers.pop();
        i--;
      }
    }
    setImmediate(loop);
  };
  setImmediate(loop);
  return server.getLocalPort();
}

function startListen() {
  return new Promise((resolve, reject) => {
    listen(0, {
      bindAddress: '127.0.0.1',
      inboundBufferSize: PEER_BUFFER_BYTES,
      outboundBufferSize: PEER_BUFFER_BYTES,
      onListening: resolve,
    })
      .pipe(
        mergeMap((client) => {
          countConnection(new URL(client.peer.getRequestedUrl()).pathname, false, false);
          // packets$ never errors: a client that drops only completes its own stream.
          return client.packets$.pipe(
            tap({
              next: (packet) => {
                if (client.send(packet.isString ? packet.text : packet.data) !== ErrorCode.OK) stats.sendFailures++;
              },
              finalize: () => stats.open--,
            }),
          );
        }, Infinity),
      )
      .subscribe({ error: reject });
  });
}

const starters = { ws: startWs, 'tcp-server': startTcpServer, listen: startListen };
if (!(kind in starters)) throw new Error(`unknown server kind ${kind}`);

process.on('disconnect', () => process.exit(0));
/** Memory after full collections (needs --expose-gc; without it, as it is). */
async function settledMemory() {
  for (let i = 0; i < 3 && typeof globalThis.gc === 'function'; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage();
}

process.on('message', async (message) => {
  if (message?.type !== 'request') return;
  let data;
  if (message.request === 'stats') data = { ...stats, memory: process.memoryUsage() };
  else if (message.request === 'cpu') data = { cpu: process.cpuUsage(), at: performance.now() };
  else if (message.request === 'memory') data = { memory: await settledMemory(), open: stats.open, gc: typeof globalThis.gc === 'function' };
  else if (message.request === 'stop') return process.exit(0);
  report('reply', { id: message.id, data });
});

const port = await starters[kind]();
report('listening', { port, pid: process.pid });
