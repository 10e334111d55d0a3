// The seed's minimal client (Godot 4 WebSocketPeer) against an echo server on loopback.
import { WebSocketServer } from 'ws';
import { State, WebSocketPeer } from 'rxpeer';

async function main(): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  const { port } = server.address() as { port: number };

  const url = `ws://127.0.0.1:${port}`;
  const socket = new WebSocketPeer();
  if (socket.connectToUrl(url) !== 0) {
    console.error('Unable to connect.');
    return 1;
  }
  console.log(`Connecting to ${url}...`);
  let sent = false;
  let code = -1;
  for (let frame = 0; frame < 10_000; frame++) {
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
          console.log(`< Got text data from server: ${new TextDecoder().decode(packet)}`);
          socket.close(1000, 'done');
        } else console.log(`< Got binary data from server: ${packet.byteLength} bytes`);
      }
    } else if (state === State.CLOSED) {
      code = socket.getCloseCode();
      console.log(`WebSocket closed with code: ${code}. Clean: ${code !== -1}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 16)); // one "frame"
  }
  await new Promise((resolve) => server.close(resolve));
  return code === 1000 ? 0 : 1;
}

main().then((status) => process.exit(status));
