// A TCP relay on 127.0.0.1 that records both directions, to check what a peer puts on the
// wire (handshake headers, close frames) independently of what either side reports.
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { HOST } from './harness';

export interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  length: number;
  /** The (unmasked) payload of control frames; data frames keep only their length. */
  payload?: Buffer;
}

export interface CloseFrame {
  code: number | null;
  /** The reason's bytes as UTF-8, NUL bytes included. */
  reason: string;
  reasonBytes: Buffer;
}

/** Everything one connection through the tap carried. */
export class Tapped {
  toServer = Buffer.alloc(0);
  toClient = Buffer.alloc(0);

  /** The HTTP head the client sent (request line and headers). */
  get request(): string {
    return head(this.toServer);
  }

  get response(): string {
    return head(this.toClient);
  }

  /** Header `name` in a head (undefined when absent; repeated ones joined with ", "). */
  static header(headText: string, name: string): string | undefined {
    const values = headText
      .split('\r\n')
      .slice(1)
      .filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
      .map((line) => line.slice(name.length + 1).trim());
    return values.length === 0 ? undefined : values.join(', ');
  }

  framesToServer(): Frame[] {
    return frames(afterHead(this.toServer));
  }

  framesToClient(): Frame[] {
    return frames(afterHead(this.toClient));
  }

  closeFramesToServer(): CloseFrame[] {
    return this.framesToServer().filter(isClose).map(toCloseFrame);
  }

  closeFramesToClient(): CloseFrame[] {
    return this.framesToClient().filter(isClose).map(toCloseFrame);
  }
}

/** Listens on 127.0.0.1 (port 0) and relays every connection to `targetPort`. */
export class Tap {
  readonly connections: Tapped[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(targetPort: number): Promise<Tap> {
    // Half-open on both legs, so a FIN is relayed as it came instead of being answered by the tap.
    const server = createServer({ allowHalfOpen: true });
    const tap = new Tap(server);
    server.on('connection', (client) => {
      const record = new Tapped();
      tap.connections.push(record);
      const upstream = netConnect({ port: targetPort, host: HOST, allowHalfOpen: true });
      for (const socket of [client, upstream]) {
        tap.#sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => tap.#sockets.delete(socket));
      }
      client.on('data', (chunk: Buffer) => {
        record.toServer = Buffer.concat([record.toServer, chunk]);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        record.toClient = Buffer.concat([record.toClient, chunk]);
        client.write(chunk);
      });
      // Half-closes travel as they came; a reset or a close on one side closes the other.
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    return tap;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function headEnd(bytes: Buffer): number {
  const end = bytes.indexOf('\r\n\r\n');
  return end === -1 ? bytes.length : end + 4;
}

function head(bytes: Buffer): string {
  return bytes.subarray(0, headEnd(bytes)).toString('latin1').trimEnd();
}

function afterHead(bytes: Buffer): Buffer {
  return bytes.subarray(headEnd(bytes));
}

/** RFC 6455 §5.2 frames, as far as complete. */
function frames(bytes: Buffer): Frame[] {
  const out: Frame[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const fin = (bytes[at]! & 0x80) !== 0;
    const opcode = bytes[at]! & 0x0f;
    const masked = (bytes[at + 1]! & 0x80) !== 0;
    let length = bytes[at + 1]! & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      if (offset + 2 > bytes.length) break;
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      if (offset + 8 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(offset));
      offset += 8;
    }
    const mask = masked ? bytes.subarray(offset, offset + 4) : null;
    if (masked) offset += 4;
    if (offset + length > bytes.length) break;
    const frame: Frame = { fin, opcode, masked, length };
    if (opcode >= 0x8) {
      const data = Buffer.from(bytes.subarray(offset, offset + length));
      if (mask !== null) for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ mask[i % 4]!;
      frame.payload = data;
    }
    out.push(frame);
    at = offset + length;
  }
  return out;
}

const isClose = (frame: Frame): boolean => frame.opcode === 0x8;

function toCloseFrame(frame: Frame): CloseFrame {
  const data = frame.payload ?? Buffer.alloc(0);
  const reasonBytes = data.subarray(2);
  return { code: data.length >= 2 ? data.readUInt16BE(0) : null, reason: reasonBytes.toString('utf8'), reasonBytes };
}
