// The Godot 3 minimal server (Godot 3 WebSocket tutorial): WebSocketServer with signals as events, echoing
// every message. Exits once `clients` clients have come and gone.
// Tutorial: https://docs.godotengine.org/en/3.6/tutorials/networking/websocket.html
//
//   node dist/examples/godot3-server.js [port] [clients] [protocol...]   (defaults 9080, 1; port 0 = any)
import { ErrorCode, WebSocketServer } from 'rxpeer';
import { handledHelp } from './help.js';

const FRAME_MS = 16; // one _process() tick
const decoder = new TextDecoder();
const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, FRAME_MS));

export interface Godot3ServerOptions {
  port?: number;
  bindIp?: string;
  protocols?: string[];
  /** Stop after this many clients have connected and disconnected. */
  clients?: number;
  maxSeconds?: number;
}

/** Starts listening; null when the server cannot start. `done` resolves with the exit status. */
export async function startGodot3Server({
  port = 9080,
  bindIp = '*',
  protocols = [],
  clients = 1,
  maxSeconds = 60,
}: Godot3ServerOptions = {}): Promise<{ port: number; done: Promise<number> } | null> {
  const server = new WebSocketServer();
  let disconnected = 0;
  server.on('client_connected', (id, protocol) => {
    // id is the assigned peer id, protocol the selected WebSocket subprotocol (optional).
    console.log(`Client ${id} connected with protocol: ${protocol}`);
  });
  server.on('client_close_request', (id, code, reason) => {
    console.log(`Client ${id} disconnecting with code: ${code}, reason: ${reason}`);
  });
  server.on('client_disconnected', (id, wasClean) => {
    console.log(`Client ${id} disconnected, clean: ${wasClean}`);
    disconnected += 1;
  });
  // Emitted once per message received (when not using the multiplayer API).
  server.on('data_received', (id) => {
    // Always use getPeer(id).getPacket to receive data.
    const packet = server.getPeer(id)!.getPacket();
    console.log(`Got data from client ${id}: ${decoder.decode(packet)} ... echoing`);
    server.getPeer(id)!.putPacket(packet);
  });

  server.bindIp = bindIp;
  // Node binds asynchronously: listen() checks the arguments, ready() tells how the bind went.
  if (server.listen(port, protocols) !== ErrorCode.OK || (await server.ready()) !== ErrorCode.OK) {
    console.log('Unable to start server');
    return null;
  }
  console.log(`Listening on port ${server.getLocalPort()}.`);

  const done = (async (): Promise<number> => {
    try {
      for (let frame = 0; frame < (maxSeconds * 1000) / FRAME_MS; frame++) {
        // Data transfer and signal emission only happen when calling poll().
        server.poll();
        if (disconnected >= clients) return 0;
        await nextFrame();
      }
      console.error('Gave up waiting for clients.');
      return 1;
    } finally {
      server.stop();
    }
  })();
  return { port: server.getLocalPort(), done };
}

if (require.main === module && !handledHelp("Usage: node dist/examples/godot3-server.js [PORT=9080] [CLIENTS=1] [PROTOCOL]...\nThe Godot 3 WebSocketServer example with signals: echoes, exits after CLIENTS left.", process.argv.slice(2))) {
  const port = Number(process.argv[2] ?? 9080);
  const clients = Number(process.argv[3] ?? 1);
  const protocols = process.argv.slice(4);
  void startGodot3Server({ port, clients, protocols }).then(async (server) => {
    process.exitCode = server === null ? 1 : await server.done;
  });
}
