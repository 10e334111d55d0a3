// Node only: the TCP listener pulls in node:net. Exported from the Node root, not the browser entry.
import { describeValue } from '../peer/describe-value.js';
import { Observable, Subscription } from 'rxjs';
import { ErrorCode, State } from '../peer/constants.js';
import { Queue } from '../peer/queue.js';
import type { IncomingConnection } from '../peer/listener.js';
import { isUsableServerTls } from '../peer/node/stream-peer.js';
import { listenTcp } from '../peer/node/tcp-listener.js';
import { TLSOptions } from '../peer/tls-options.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import { applyPeerOptions, type PeerOptions } from './connect.js';
import { WebSocketPeerError } from './errors.js';
import { type FromPeerOptions, type ObservablePeer, validateFromPeerOptions, wrap } from './observable-peer.js';

export interface ListenOptions extends PeerOptions, FromPeerOptions {
  /** Address to bind: "*" (every interface, the default) or an IPv4/IPv6 address. */
  bindAddress?: string;
  /** `TLSOptions.server(key, cert)` to serve wss://. */
  tls?: TLSOptions;
  /** Milliseconds a client has to finish its handshake before it is dropped (0 = no limit). Default 3000. */
  handshakeTimeout?: number;
  /** Called with the bound port once the server listens (useful with port 0). */
  onListening?: (port: number) => void;
}

/**
 * A cold WebSocket server: each subscription listens on `port` and emits every client as
 * an {@link ObservablePeer} once its handshake completed (OPEN). Clients that fail their
 * handshake or exceed `handshakeTimeout` are dropped without being emitted. Errors with
 * {@link WebSocketPeerError} when the port can't be bound (ERR_ALREADY_IN_USE, …).
 * Unsubscribing stops the server and closes the clients still connected with 1001.
 *
 * @example
 * listen(8000, { protocols: ['demo-chat'], onListening: (port) => console.log(`on ${port}`) })
 *   .pipe(mergeMap((client) => client.packets$.pipe(tap((p) => client.send(p.text ?? p.data)))))
 *   .subscribe();
 */
export function listen(port: number, options: ListenOptions = {}): Observable<ObservablePeer> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`listen: port must be an integer from 0 to 65535, got ${describeValue(port)}`);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError(`listen: options must be an object, got ${describeValue(options)}`);
  const { bindAddress = '*', tls, handshakeTimeout = 3000, onListening } = options;
  applyPeerOptions(new WebSocketPeer(), options, 'listen');
  const { scheduler } = validateFromPeerOptions(options, 'listen');
  if (tls !== undefined && !isUsableServerTls(tls)) {
    throw new TypeError('listen: tls must be TLSOptions.server(key, cert) with a key and certificate that load');
  }
  if (typeof handshakeTimeout !== 'number' || !Number.isFinite(handshakeTimeout) || handshakeTimeout < 0) {
    throw new RangeError(`listen: handshakeTimeout must be a number of ms ≥ 0, got ${describeValue(handshakeTimeout)}`);
  }
  if (onListening !== undefined && typeof onListening !== 'function') throw new TypeError('listen: onListening must be a function');

  return new Observable<ObservablePeer>((subscriber) => {
    const listener = listenTcp(port, bindAddress, tls ?? null);
    if (typeof listener === 'number') {
      subscriber.error(new WebSocketPeerError(listener, `listen(${port}, ${JSON.stringify(bindAddress)}) refused`));
      return;
    }
    const clients = new Set<WebSocketPeer>();
    const watching = new Subscription();
    let acceptPending: Subscription | null = null;

    // Handshake deadlines: every client gets the same timeout, so they fall due in the order
    // the clients came; one timer sweeps the queue instead of one timer per connection.
    const handshakes = new Queue<{ peer: WebSocketPeer; deadline: number }>();
    let sweep: Subscription | null = null;
    const armSweep = (): void => {
      const next = handshakes.at(0);
      if (sweep !== null || next === undefined) return;
      sweep = scheduler.schedule(() => {
        sweep = null;
        const now = scheduler.now();
        for (let head = handshakes.at(0); head !== undefined && head.deadline <= now; head = handshakes.at(0)) {
          handshakes.shift();
          if (head.peer.getReadyState() === State.CONNECTING) head.peer.close(-1);
        }
        armSweep();
      }, Math.max(0, next.deadline - scheduler.now()));
    };

    const admit = (incoming: IncomingConnection): void => {
      const peer = new WebSocketPeer();
      applyPeerOptions(peer, options, 'listen');
      // Options were checked when listen() was called; a refusal here still must not leak the socket.
      if (incoming.accept(peer) !== ErrorCode.OK) return incoming.refuse();
      clients.add(peer);
      const socket = wrap(peer, options);
      if (handshakeTimeout > 0) {
        handshakes.push({ peer, deadline: scheduler.now() + handshakeTimeout });
        armSweep();
      }
      const watch = new Subscription();
      watch.add(
        socket.state$.subscribe({
          next: (state) => {
            if (state === State.OPEN) subscriber.next(socket);
          },
          complete: () => {
            clients.delete(peer);
            watching.remove(watch);
            watch.unsubscribe();
          },
        }),
      );
      if (!watch.closed) watching.add(watch);
    };

    const acceptAll = (): void => {
      acceptPending = null;
      for (let incoming = listener.take(); incoming !== null && !subscriber.closed; incoming = listener.take()) admit(incoming);
    };
    listener.onConnection(() => {
      acceptPending ??= scheduler.schedule(acceptAll);
    });
    void listener.ready().then((result) => {
      if (subscriber.closed) return;
      if (result === ErrorCode.OK) onListening?.(listener.getLocalPort());
      else subscriber.error(new WebSocketPeerError(result, `listen(${port}, ${JSON.stringify(bindAddress)}) failed`));
    });

    return () => {
      listener.stop();
      acceptPending?.unsubscribe();
      sweep?.unsubscribe();
      handshakes.clear();
      for (const peer of clients) peer.close(peer.getReadyState() === State.OPEN ? 1001 : -1);
      clients.clear();
      watching.unsubscribe();
    };
  });
}
