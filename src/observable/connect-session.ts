import { Observable } from 'rxjs';
import { ErrorCode, State } from '../peer/constants.js';
import type { TLSOptions } from '../peer/tls-options.js';
import type { WebSocketPeer } from '../peer/websocket-peer.js';
import { clientSession } from './session/client-session.js';
import type { SessionLimits } from './session/session-core.js';
import { prepareSessionPeer } from './session/transport-settings.js';
import { WebSocketPeerError } from './errors.js';
import { type FromPeerOptions, type ObservablePeer, validateFromPeerOptions, wrap } from './observable-peer.js';

/**
 * connect() with `resume`: one ObservablePeer for the whole session, emitted once the
 * server granted it; each dropped connection is replaced by a new one to `url`, within the
 * window, without the subscriber noticing. `createPeer` makes a peer with the user's options;
 * `connectTimeout` ms (0 = none) bounds each connection's CONNECTING.
 */
export function connectSession(
  url: string,
  tls: TLSOptions | undefined,
  createPeer: () => WebSocketPeer,
  options: FromPeerOptions,
  limits: SessionLimits,
  connectTimeout: number,
): Observable<ObservablePeer> {
  const { scheduler } = validateFromPeerOptions(options, 'connect');
  return new Observable<ObservablePeer>((subscriber) => {
    const open = (): WebSocketPeer | ErrorCode => {
      const peer = createPeer();
      prepareSessionPeer(peer, 'client');
      const error = peer.connectToUrl(url, tls);
      return error === ErrorCode.OK ? peer : error;
    };
    let first: WebSocketPeer | ErrorCode | null = open();
    if (typeof first === 'number') {
      subscriber.error(new WebSocketPeerError(first, `connect(${JSON.stringify(url)}) refused`));
      return;
    }
    const dial = () => {
      let peer = first ?? open();
      first = null;
      // The URL was accepted once; if it is refused now the connection simply fails and the window bounds the retries.
      if (typeof peer === 'number') peer = createPeer();
      const socket = wrap(peer, options);
      if (connectTimeout > 0) {
        const opening = peer;
        const timeout = scheduler.schedule(() => {
          if (opening.getReadyState() === State.CONNECTING) opening.close(-1, `connect timed out: not open after ${connectTimeout} ms (connectTimeout)`);
        }, connectTimeout);
        socket.close$.subscribe(() => timeout.unsubscribe());
        socket.state$.subscribe((state) => state === State.OPEN && timeout.unsubscribe());
      }
      return socket;
    };
    return clientSession(dial, limits, scheduler).subscribe(subscriber);
  });
}
