// The Godot 4 minimal server (Godot 4 WebSocket tutorial): TCPServer + WebSocketPeer.acceptStream(),
// echoing every message. Exits once `peers` clients have come and gone.
// Tutorial: https://docs.godotengine.org/en/stable/tutorials/networking/websocket.html
//
//   node dist/examples/godot4-server.js [port] [peers]     (defaults 9080, 1; port 0 = any)
import { ErrorCode, State, TCPServer, WebSocketPeer } from 'rxpeer';
import { handledHelp } from './help.js';

const FRAME_MS = 16; // one _process() tick
const decoder = new TextDecoder();
const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, FRAME_MS));

export interface Godot4ServerOptions {
  port?: number;
  bindAddress?: string;
  /** Stop after this many peers have connected and closed. */
  peers?: number;
  maxSeconds?: number;
}

/** Starts listening; null when the server cannot start. `done` resolves with the exit status. */
export async function startGodot4Server({
  port = 9080,
  bindAddress = '*',
  peers: peerLimit = 1,
  maxSeconds = 60,
}: Godot4ServerOptions = {}): Promise<{ port: number; done: Promise<number> } | null> {
  const tcpServer = new TCPServer();
  // listen() checks its arguments; node binds asynchronously, ready() says how it went.
  if (tcpServer.listen(port, bindAddress) !== ErrorCode.OK || (await tcpServer.ready()) !== ErrorCode.OK) {
    console.error('Unable to start server.');
    return null;
  }
  console.log('Server started.');
  console.log(`Listening on port ${tcpServer.getLocalPort()}.`);
  return { port: tcpServer.getLocalPort(), done: serve(tcpServer, peerLimit, maxSeconds) };
}

async function serve(tcpServer: TCPServer, peerLimit: number, maxSeconds: number): Promise<number> {
  const peers = new Map<number, WebSocketPeer>();
  let lastPeerId = 1;
  let closed = 0;
  try {
    for (let frame = 0; frame < (maxSeconds * 1000) / FRAME_MS; frame++) {
      while (tcpServer.isConnectionAvailable()) {
        lastPeerId += 1;
        console.log(`+ Peer ${lastPeerId} connected.`);
        const ws = new WebSocketPeer();
        ws.acceptStream(tcpServer.takeConnection()!);
        peers.set(lastPeerId, ws);
      }
      for (const [peerId, peer] of [...peers]) {
        peer.poll();
        const peerState = peer.getReadyState();
        if (peerState === State.OPEN) {
          while (peer.getAvailablePacketCount() > 0) {
            const packet = peer.getPacket();
            if (peer.wasStringPacket()) {
              const packetText = decoder.decode(packet);
              console.log(`< Got text data from peer ${peerId}: ${packetText} ... echoing`);
              peer.sendText(packetText); // echo the packet back
            } else {
              console.log(`< Got binary data from peer ${peerId}: ${packet.byteLength} ... echoing`);
              peer.send(packet);
            }
          }
        } else if (peerState === State.CLOSED) {
          peers.delete(peerId); // remove the disconnected peer
          const code = peer.getCloseCode();
          const reason = peer.getCloseReason();
          console.log(`- Peer ${peerId} closed with code: ${code}, reason ${reason}. Clean: ${code !== -1}`);
          closed += 1;
        }
      }
      if (closed >= peerLimit && peers.size === 0) return 0;
      await nextFrame();
    }
    console.error('Gave up waiting for peers.');
    return 1;
  } finally {
    for (const peer of peers.values()) peer.close(-1);
    tcpServer.stop();
  }
}

if (require.main === module && !handledHelp("Usage: node dist/examples/godot4-server.js [PORT=9080] [PEERS=1]\nThe Godot 4 minimal server: accepts PEERS clients, echoes to each, exits when all closed.", process.argv.slice(2))) {
  const port = Number(process.argv[2] ?? 9080);
  const peers = Number(process.argv[3] ?? 1);
  void startGodot4Server({ port, peers }).then(async (server) => {
    process.exitCode = server === null ? 1 : await server.done;
  });
}
