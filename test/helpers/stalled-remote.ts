// A WebSocket server on 127.0.0.1 (port 0) that completes the handshake and then reads
// nothing: what a client sends piles up in its socket and its outbound buffer.
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { deferred } from './poll.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface StalledRemote {
  /** `ws://127.0.0.1:port/` */
  readonly url: string;
  /** The server's side of the first connection, once its handshake is answered. */
  readonly remote: Promise<Socket>;
  /** Destroys the connection (if any) and closes the server. */
  close(): Promise<void>;
}

export async function startStalledRemote(): Promise<StalledRemote> {
  const connected = deferred<Socket>();
  const server: Server = createServer((socket) => {
    socket.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause(); // from now on reads nothing
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)![1]!;
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      connected.resolve(socket);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as { port: number }).port}/`,
    remote: connected.promise,
    async close() {
      (await Promise.race([connected.promise, Promise.resolve(null)]))?.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
