import {
  asyncScheduler,
  EMPTY,
  exhaustMap,
  filter,
  interval as intervalOf,
  merge,
  mergeMap,
  type Observable,
  of,
  switchMap,
  take,
  takeUntil,
  timeout as timeoutWith,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import type { ObservablePeer } from '../observable/observable-peer.js';
import { ErrorCode, State } from '../peer/constants.js';
import type { Packet } from '../peer/packet.js';
import { checkBoolean, checkConfig, checkDuration, checkFunction, checkScheduler } from './validate.js';

export interface HeartbeatConfig {
  /** Milliseconds between pings, from OPEN on; a beat that comes while a pong is awaited is skipped. */
  interval: number;
  /** Milliseconds to wait for the pong before the connection counts as dead. */
  timeout: number;
  /** The ping message (a string goes as a text frame, bytes as a binary frame). */
  ping: () => string | Uint8Array;
  /** Recognises the remote's answer. */
  isPong: (packet: Packet) => boolean;
  /** Keep pongs out of the emitted peers' `packets$`. Default true. */
  hidePongs?: boolean;
  /** Runs the interval and the timeout. Default asyncScheduler. */
  scheduler?: SchedulerLike;
}

/**
 * Application-level keepalive for each connection of a connection stream, for servers and
 * browsers where protocol pings are not available (a browser cannot send them; the
 * peer's `heartbeatInterval` is the protocol-level one). Once a connection is OPEN it
 * sends `ping()` every `interval` ms; when no packet accepted by `isPong` arrives within
 * `timeout` ms it drops the connection with `close(-1)`: an unclean close whose cause
 * names the heartbeat, so the stream errors with WebSocketCloseError and
 * {@link reconnect} reconnects. A ping that cannot be
 * sent (outbound buffer full) is skipped, not counted as missed.
 *
 * @example
 * const connections$ = connect('wss://example.com/feed').pipe(
 *   heartbeat({
 *     interval: 15_000,
 *     timeout: 5_000,
 *     ping: () => '{"type":"ping"}',
 *     isPong: (packet) => packet.text === '{"type":"pong"}',
 *   }),
 *   reconnect(),
 * );
 */
export function heartbeat(config: HeartbeatConfig): MonoTypeOperatorFunction<ObservablePeer> {
  checkConfig('heartbeat', config, ['interval', 'timeout', 'ping', 'isPong', 'hidePongs', 'scheduler'], true);
  const { interval, timeout, ping, isPong, hidePongs = true, scheduler = asyncScheduler } = config;
  checkDuration('heartbeat', 'interval', interval);
  checkDuration('heartbeat', 'timeout', timeout);
  checkFunction('heartbeat', 'ping', ping, true);
  checkFunction('heartbeat', 'isPong', isPong, true);
  checkBoolean('heartbeat', 'hidePongs', hidePongs);
  checkScheduler('heartbeat', scheduler);

  const keepAlive = (socket: ObservablePeer): Observable<never> => {
    const pong$ = socket.packets$.pipe(
      filter((packet) => isPong(packet)),
      take(1),
    );
    return socket.state$.pipe(
      filter((state) => state === State.OPEN),
      take(1),
      switchMap(() => intervalOf(interval, scheduler)),
      // While a pong is awaited, further beats are ignored.
      exhaustMap(() => {
        if (socket.send(ping()) !== ErrorCode.OK) return EMPTY;
        return pong$.pipe(
          timeoutWith({
            first: timeout,
            scheduler,
            with: () => {
              socket.close(-1, `no pong within ${timeout} ms (heartbeat timeout)`);
              return EMPTY;
            },
          }),
        );
      }),
      filter(() => false),
      takeUntil(socket.close$),
    ) as Observable<never>;
  };

  // Each connection is emitted, then watched until it closes; a throwing ping() or isPong()
  // ends the connection stream, as a throwing map() would.
  return mergeMap((socket) => merge(of(hidePongs ? withoutPongs(socket, isPong) : socket), keepAlive(socket)));
}

/** The same connection, with pongs filtered out of packets$. */
function withoutPongs(socket: ObservablePeer, isPong: (packet: Packet) => boolean): ObservablePeer {
  const packets$ = socket.packets$.pipe(filter((packet) => !isPong(packet)));
  const filtered: ObservablePeer = {
    peer: socket.peer,
    state$: socket.state$,
    packets$,
    close$: socket.close$,
    send: (message) => socket.send(message),
    close: (code, reason) => socket.close(code, reason),
  };
  // A server-side peer keeps the handshake it came in on and what authorize accepted it with.
  if (socket.request === undefined && socket.context === undefined) return filtered;
  return { ...filtered, request: socket.request, context: socket.context };
}
