// Node only: the TCP listener pulls in node:net. Exported from the Node root, not the browser entry.
import { isIP } from 'node:net';
import { Observable } from 'rxjs';
import { ErrorCode } from '../peer/constants.js';
import { isUsableServerTls } from '../peer/node/stream-peer.js';
import { listenTcp } from '../peer/node/tcp-listener.js';
import { TLSOptions } from '../peer/tls-options.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import { applyPeerOptions } from './connect.js';
import { WebSocketPeerError } from './errors.js';
import { type ObservablePeer, validateFromPeerOptions } from './observable-peer.js';
import { serveClients } from './server-driver.js';
import { checkOptions, describeValue } from './options.js';
import { checkServerOptions, SERVER_OPTION_KEYS, type ServerOptions } from './server-options.js';

const LISTEN_OPTION_KEYS = [...SERVER_OPTION_KEYS, 'bindAddress', 'tls', 'onListening'] as const;

export interface ListenOptions extends ServerOptions {
  /** Address to bind: "*" (every interface, the default) or an IPv4/IPv6 address. */
  bindAddress?: string;
  /** `TLSOptions.server(key, cert)` to serve wss://. */
  tls?: TLSOptions;
  /** Called with the bound port once the server listens (useful with port 0). */
  onListening?: (port: number) => void;
}

/**
 * A cold WebSocket server: each subscription listens on `port` and emits every client as
 * an {@link ObservablePeer} once its handshake completed (OPEN). Clients that fail their
 * handshake or exceed `handshakeTimeout` are dropped without being emitted; clients the
 * admission rules refuse (`origins`, `maxConnections`, `maxConnectionsPerAddress`,
 * `authorize`) get an HTTP error response and are reported to `onRefused`. Errors with
 * {@link WebSocketPeerError} when the port can't be bound (ERR_ALREADY_IN_USE, …), and
 * never because of a client. Unsubscribing stops the server and closes the clients still
 * connected with 1001.
 *
 * @example
 * const server = listen(8000, { protocols: ['demo-chat'], onListening: (port) => console.log(`on ${port}`) })
 *   .pipe(
 *     mergeMap((client) =>
 *       client.packets$.pipe(
 *         // A full outbound buffer is an answer too: tell the client rather than drop its message.
 *         tap((p) => client.send(p.text ?? p.data) !== ErrorCode.OK && client.close(1013, 'echo backlog full')),
 *       ),
 *     ),
 *   )
 *   .subscribe(); // an echo server; a client that drops ends only its own packets$. server.unsubscribe() stops it.
 */
export function listen(port: number, options: ListenOptions = {}): Observable<ObservablePeer> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`listen: port must be an integer from 0 to 65535, got ${describeValue(port)}`);
  }
  checkOptions('listen', options, LISTEN_OPTION_KEYS);
  const { bindAddress = '*', tls, onListening } = options;
  if (typeof bindAddress !== 'string' || (bindAddress !== '*' && isIP(bindAddress) === 0)) {
    throw new TypeError(`listen: bindAddress must be "*" or an IPv4/IPv6 address, got ${describeValue(bindAddress)}`);
  }
  applyPeerOptions(new WebSocketPeer(), options, 'listen');
  const { scheduler } = validateFromPeerOptions(options, 'listen');
  const rules = checkServerOptions(options, 'listen');
  if (tls !== undefined && !isUsableServerTls(tls)) {
    throw new TypeError('listen: tls must be TLSOptions.server(key, cert) with a key and certificate that load');
  }
  if (onListening !== undefined && typeof onListening !== 'function') throw new TypeError('listen: onListening must be a function');

  return new Observable<ObservablePeer>((subscriber) => {
    const listener = listenTcp(port, bindAddress, tls ?? null);
    if (typeof listener === 'number') {
      subscriber.error(new WebSocketPeerError(listener, `listen(${port}, ${JSON.stringify(bindAddress)}) refused`));
      return;
    }
    const driver = serveClients(subscriber, options, rules, scheduler, 'listen');
    // Admitted at once, as attach() admits on 'upgrade': admitting only starts the handshake,
    // and everything the client does is seen in its polls. (A hop on the scheduler per
    // connection cost as much as the rest of the admission.)
    listener.onConnection(() => {
      for (let incoming = listener.take(); incoming !== null && !subscriber.closed; incoming = listener.take()) driver.admit(incoming);
    });
    void listener.ready().then((result) => {
      if (subscriber.closed) return;
      if (result === ErrorCode.OK) onListening?.(listener.getLocalPort());
      else subscriber.error(new WebSocketPeerError(result, `listen(${port}, ${JSON.stringify(bindAddress)}) failed`));
    });

    return () => {
      listener.stop();
      driver.stop();
    };
  });
}
