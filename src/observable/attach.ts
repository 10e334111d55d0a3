// Node only: WebSocket clients on an existing HTTP(S) server (Express, Fastify, plain
// node:http), so a web app and its sockets share one port.
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Observable } from 'rxjs';
import { kAttachTransport } from '../peer/internal.js';
import { acceptParsedUpgrade } from '../peer/node/accept.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import { applyPeerOptions } from './connect.js';
import { type ObservablePeer, validateFromPeerOptions } from './observable-peer.js';
import { serveClients } from './server-driver.js';
import { checkOptions, describeValue } from './options.js';
import { checkServerOptions, SERVER_OPTION_KEYS, type ServerOptions } from './server-options.js';

const ATTACH_OPTION_KEYS = [...SERVER_OPTION_KEYS, 'path'] as const;

/**
 * What attach() uses of a `node:http` or `node:https` Server (what Express's `app.listen()`
 * and Fastify's `fastify.server` are). Declared here, structurally, so that the package's
 * types need no `@types/node`.
 */
export interface HttpServerLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  close(callback?: (error?: Error) => void): unknown;
}

export interface AttachOptions extends ServerOptions {
  /**
   * Only upgrade requests for this path (query ignored) are taken, e.g. `"/ws"`; others are
   * left to the server's other `upgrade` listeners (or answered 404 when there is none).
   * Default: every path.
   */
  path?: string;
}

/**
 * WebSocket clients of an existing `http` / `https` server: each subscription takes the
 * server's `upgrade` events (for `path`) and emits every client as an {@link ObservablePeer}
 * once OPEN, with the same admission rules as {@link listen}. It never binds: listen on the
 * server yourself. `server.close()` stops it: it closes the clients with 1001 (so the server
 * can finish closing) and completes. Unsubscribing stops taking upgrades and closes the
 * clients with 1001; the HTTP server keeps running.
 *
 * @example
 * const app = express();
 * app.get('/', (_request, response) => {
 *   response.send('hello');
 * });
 * const server = app.listen(8080);
 * attach(server, { path: '/ws' })
 *   .pipe(mergeMap((client) => client.packets$.pipe(tap((packet) => client.send(packet.text ?? packet.data)))))
 *   .subscribe();
 */
export function attach(httpServer: HttpServerLike, options: AttachOptions = {}): Observable<ObservablePeer> {
  if (!isHttpServer(httpServer)) throw new TypeError(`attach: server must be an http.Server or https.Server, got ${describeValue(httpServer)}`);
  const server = httpServer as unknown as HttpServer; // https.Server has the same events and close()
  checkOptions('attach', options, ATTACH_OPTION_KEYS);
  const { path } = options;
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new TypeError(`attach: path must be a string starting with "/", got ${typeof path === 'string' ? JSON.stringify(path) : typeof path}`);
  }
  applyPeerOptions(new WebSocketPeer(), options, 'attach');
  const { scheduler } = validateFromPeerOptions(options, 'attach');
  const rules = checkServerOptions(options, 'attach');

  return new Observable<ObservablePeer>((subscriber) => {
    const driver = serveClients(subscriber, options, rules, scheduler, 'attach');

    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (path !== undefined && pathOf(request.url) !== path) {
        // Another listener may want it; when there is none, nobody would ever answer.
        if (server.listenerCount('upgrade') === 1) notFound(socket);
        return;
      }
      const open = acceptParsedUpgrade(request, socket, head).open;
      driver.admit({
        accept: (peer) => peer[kAttachTransport]({ requestedUrl: '', server: true, open }),
        refuse: () => socket.destroy(),
      });
    };

    // The server's 'close' waits for every connection, upgraded ones included: close the
    // clients as soon as close() is called, so a graceful shutdown can finish.
    const ownClose = Object.prototype.hasOwnProperty.call(server, 'close');
    const originalClose = server.close;
    const patchedClose = function (this: typeof server, ...args: Parameters<typeof server.close>) {
      stop();
      subscriber.complete();
      return originalClose.apply(this, args);
    } as typeof server.close;
    server.close = patchedClose;
    const onClose = (): void => {
      stop();
      subscriber.complete();
    };
    server.on('upgrade', onUpgrade);
    server.on('close', onClose);

    let stopped = false;
    function stop(): void {
      if (stopped) return;
      stopped = true;
      server.off('upgrade', onUpgrade);
      server.off('close', onClose);
      if (server.close === patchedClose) {
        if (ownClose) server.close = originalClose;
        else delete (server as { close?: unknown }).close;
      }
      driver.stop();
    }
    return stop;
  });
}

function isHttpServer(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['on', 'off', 'listenerCount', 'close'].every((name) => typeof candidate[name] === 'function');
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query < 0 ? raw : raw.slice(0, query);
}

function notFound(socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const body = 'Not Found';
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
}
