// The Godot 4 minimal client (Godot 4 WebSocket tutorial) with rxpeer's WebSocketPeer: connect, send
// "Test packet" once OPEN, print what comes back, close once the echo arrived.
// Tutorial: https://docs.godotengine.org/en/stable/tutorials/networking/websocket.html
//
//   node dist/examples/godot4-client.js [url]        (default ws://localhost:9080)
import { ErrorCode, State, WebSocketPeer } from 'rxpeer';
import { handledHelp } from './help.js';

const FRAME_MS = 16; // one _process() tick
const decoder = new TextDecoder();
const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, FRAME_MS));

/** Runs the client until its connection is CLOSED (or `maxSeconds` pass); 0 after a clean close. */
export async function runGodot4Client(url: string, { maxSeconds = 30 } = {}): Promise<number> {
  const socket = new WebSocketPeer();
  if (socket.connectToUrl(url) !== ErrorCode.OK) {
    console.error('Unable to connect.');
    return 1;
  }
  console.log(`Connecting to ${url}...`);
  let sent = false;
  for (let frame = 0; frame < (maxSeconds * 1000) / FRAME_MS; frame++) {
    // Data transfer and state updates only happen when calling poll().
    socket.poll();
    const state = socket.getReadyState();
    if (state === State.OPEN) {
      if (!sent) {
        console.log('> Sending test packet.');
        socket.sendText('Test packet');
        sent = true;
      }
      while (socket.getAvailablePacketCount() > 0) {
        const packet = socket.getPacket();
        if (socket.wasStringPacket()) {
          const text = decoder.decode(packet);
          console.log(`< Got text data from server: ${text}`);
          if (text === 'Test packet') socket.close(1000, 'done'); // the echo is back: finish
        } else {
          console.log(`< Got binary data from server: ${packet.byteLength} bytes`);
        }
      }
    } else if (state === State.CLOSED) {
      // The code is -1 if the disconnection was not properly notified by the remote peer.
      const code = socket.getCloseCode();
      console.log(`WebSocket closed with code: ${code}. Clean: ${code !== -1}`);
      return code === -1 ? 1 : 0;
    }
    await nextFrame();
  }
  console.error('Gave up waiting.');
  socket.close(-1);
  return 1;
}

if (require.main === module && !handledHelp("Usage: node dist/examples/godot4-client.js [URL=ws://localhost:9080]\nThe Godot 4 minimal client: sends \"Test packet\", prints what comes back, closes.", process.argv.slice(2))) {
  void runGodot4Client(process.argv[2] ?? 'ws://localhost:9080').then((status) => {
    process.exitCode = status;
  });
}
