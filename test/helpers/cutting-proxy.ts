// A TCP proxy on 127.0.0.1 that the test uses to cut connections: with a RST (what is in
// flight is lost), a FIN (what the proxy already read is delivered, then end of stream), or
// on the client's side only (the server keeps a half-open connection until it hears more).
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { within } from './poll.js';

export type CutKind = 'rst' | 'fin' | 'client-only';

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class CuttingProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  /** Server sides left open by client-only cuts, destroyed at stop(). */
  readonly #halfOpen = new Set<Socket>();
  #targetPort: number;
  /** While true, new connections are reset at once (the server looks down). */
  refusing = false;
  /** Looks at each chunk on its way; true drops that chunk and cuts its connection with a RST. */
  dropWhen: ((chunk: Buffer, toClient: boolean) => boolean) | null = null;
  /** Connections accepted so far. */
  accepted = 0;
  #waiting: (() => void)[] = [];
  /** Every accepted socket until it closes, with what happened to it (for stop()'s report). */
  readonly #sockets = new Map<Socket, string>();

  private constructor(server: Server, targetPort: number) {
    this.#server = server;
    this.#targetPort = targetPort;
  }

  static async start(targetPort: number): Promise<CuttingProxy> {
    const server = createServer();
    const proxy = new CuttingProxy(server, targetPort);
    server.on('connection', (client) => proxy.#accept(client));
    await within(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 'the proxy to listen');
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get open(): number {
    return this.#pairs.size;
  }

  /** Resolves once a connection is open through the proxy. */
  connected(): Promise<void> {
    if (this.#pairs.size > 0) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.#waiting.push(resolve)), 'a connection through the proxy');
  }

  /** Sends new connections to another server (one that restarted on a new port). */
  retarget(port: number): void {
    this.#targetPort = port;
  }

  /** Cuts every connection open now. */
  cut(kind: CutKind): number {
    const pairs = [...this.#pairs];
    for (const pair of pairs) {
      this.#pairs.delete(pair);
      this.#sockets.set(pair.client, kind);
      if (kind === 'fin') {
        pair.client.end();
        pair.upstream.end();
      } else {
        pair.client.resetAndDestroy();
        if (kind === 'rst') pair.upstream.resetAndDestroy();
        else {
          this.#halfOpen.add(pair.upstream);
          pair.upstream.once('close', () => this.#halfOpen.delete(pair.upstream));
        }
      }
    }
    return pairs.length;
  }

  async stop(): Promise<void> {
    this.cut('rst');
    for (const socket of this.#halfOpen) socket.destroy();
    await within(new Promise<void>((resolve) => this.#server.close(() => resolve())), 'the proxy to stop');
  }

  #accept(client: Socket): void {
    client.on('error', () => {});
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    this.accepted++;
    this.#sockets.set(client, 'open');
    client.once('close', () => this.#sockets.delete(client));
    const upstream = tcpConnect(this.#targetPort, '127.0.0.1');
    upstream.on('error', () => {});
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const forget = (): void => {
      if (!this.#pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.once('close', forget);
    upstream.once('close', forget);
    const forward = (from: Socket, to: Socket, toClient: boolean): void => {
      from.on('data', (chunk: Buffer) => {
        if (!this.#pairs.has(pair)) return; // cut: read on and discard
        if (this.dropWhen?.(chunk, toClient)) {
          this.dropWhen = null;
          this.#pairs.delete(pair);
          client.resetAndDestroy();
          upstream.resetAndDestroy();
          return;
        }
        to.write(chunk);
      });
    };
    forward(client, upstream, false);
    forward(upstream, client, true);
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}
