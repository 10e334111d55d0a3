// The Godot 3 minimal client (Godot 3 WebSocket tutorial): WebSocketClient with signals as events. Sends
// "Test packet" once connected, prints the echo, then disconnects.
// Tutorial: https://docs.godotengine.org/en/3.6/tutorials/networking/websocket.html
//
//   node dist/examples/godot3-client.js [url] [protocol]     (default ws://localhost:9080)
import { ErrorCode, WebSocketClient } from 'rxpeer';
import { handledHelp } from './help.js';

const FRAME_MS = 16; // one _process() tick
const decoder = new TextDecoder();
const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, FRAME_MS));

/** Runs until the connection closed or failed (or `maxSeconds` pass); 0 after a clean close. */
export async function runGodot3Client(url: string, protocols: string[] = [], { maxSeconds = 30 } = {}): Promise<number> {
  const client = new WebSocketClient();
  let status: number | null = null;
  const closed = (wasClean = false): void => {
    // wasClean tells whether the remote peer notified the disconnection before closing the socket.
    console.log(`Closed, clean: ${wasClean}`);
    status = wasClean ? 0 : 1;
  };
  client.on('connection_closed', closed);
  client.on('connection_error', () => closed(false));
  client.on('connection_established', (protocol) => {
    // protocol is the selected WebSocket subprotocol (which is optional).
    console.log(`Connected with protocol: ${protocol}`);
    // Always use getPeer(1).putPacket to send data to the server.
    client.getPeer(1)!.putPacket(new TextEncoder().encode('Test packet'));
  });
  // Emitted once per message received (when not using the multiplayer API).
  client.on('data_received', () => {
    console.log(`Got data from server: ${decoder.decode(client.getPeer(1)!.getPacket())}`);
    client.disconnectFromHost(1000, 'done');
  });

  if (client.connectToUrl(url, protocols) !== ErrorCode.OK) {
    console.log('Unable to connect');
    return 1;
  }
  for (let frame = 0; frame < (maxSeconds * 1000) / FRAME_MS && status === null; frame++) {
    // Data transfer and signal emission only happen when calling poll().
    client.poll();
    if (status === null) await nextFrame();
  }
  if (status === null) {
    console.error('Gave up waiting.');
    client.disconnectFromHost(-1);
    return 1;
  }
  return status;
}

if (require.main === module && !handledHelp("Usage: node dist/examples/godot3-client.js [URL=ws://localhost:9080] [PROTOCOL]...\nThe Godot 3 WebSocketClient example with signals.", process.argv.slice(2))) {
  const protocols = process.argv.slice(3);
  void runGodot3Client(process.argv[2] ?? 'ws://localhost:9080', protocols).then((status) => {
    process.exitCode = status;
  });
}
