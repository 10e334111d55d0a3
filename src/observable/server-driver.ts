// What listen() and attach() share once a connection arrives: a configured peer per
// connection, the admission rules (origins, connection limits, authorize) answered inside
// the peer's poll(), the handshake deadline, emitting each client once OPEN, and closing
// them all when the server stops. Where connections come from is the caller's business.
import { config, type Observer, type SchedulerLike, Subscription, type Subscriber } from 'rxjs';
import { ErrorCode, State } from '../peer/constants.js';
import { isThenable, judge, refusal, statusMessage, type UpgradeRequest, type Verdict } from '../peer/handshake.js';
import type { IncomingConnection } from '../peer/listener.js';
import { Queue } from '../peer/queue.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import { applyPeerOptions } from './connect.js';
import type { ObservablePeer } from './observable-peer.js';
import { type ObservablePeerImpl, wrap } from './observable-peer.js';
import type { CheckedServerOptions, RefusedHandshake, ServerOptions } from './server-options.js';
import { SessionServer } from './session/session-server.js';
import { prepareSessionPeer } from './session/transport-settings.js';
import { isSessionProtocol } from './session/wire.js';

/** Seconds a client refused for a connection limit is told to wait (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 5;

export interface ServerDriver {
  /** Starts the handshake of one connection; its client is emitted once OPEN. */
  admit(incoming: IncomingConnection): void;
  /** Closes every client (OPEN ones with 1001, the others at once) and forgets them. */
  stop(): void;
}

interface Handshake {
  /** Null once the handshake ended (OPEN or CLOSED), so the peer is not held until the deadline. */
  peer: WebSocketPeer | null;
  deadline: number;
}

/** What a server does when one of its clients opens or ends. */
interface ClientHost {
  opened(client: Client): void;
  ended(client: Client): void;
}

/**
 * What the server keeps for one client until it is CLOSED, and the observer of its state$:
 * one object per connection (methods, not closures). The server's subscription keeps the
 * client polled whoever else listens.
 */
class Client implements Observer<State> {
  /** The remote address whose admission slot this client holds; null: none (yet). */
  slot: string | null = null;
  /** What `authorize` accepted the client with. */
  context: unknown = undefined;
  handshake: Handshake | null = null;
  watch: Subscription | null = null;

  constructor(
    readonly peer: WebSocketPeer,
    readonly socket: ObservablePeerImpl,
    readonly host: ClientHost,
  ) {}

  next(state: State): void {
    if (this.handshake !== null && state !== State.CONNECTING) {
      this.handshake.peer = null;
      this.handshake = null;
    }
    if (state === State.OPEN) this.host.opened(this);
  }

  error(): void {} // state$ never errors

  complete(): void {
    this.host.ended(this);
  }
}

export function serveClients(
  subscriber: Subscriber<ObservablePeer>,
  options: ServerOptions,
  rules: CheckedServerOptions,
  scheduler: SchedulerLike,
  caller: string,
): ServerDriver {
  const { handshakeTimeout, authorize, origins, maxConnections, maxConnectionsPerAddress, onRefused } = rules;
  const checksRequests = authorize !== undefined || origins !== undefined || maxConnections !== Infinity || maxConnectionsPerAddress !== Infinity;
  /** Every client not yet CLOSED. */
  const clients = new Set<Client>();
  // With resume, connections that selected the session subprotocol carry sessions: the
  // subscriber gets each session once, not each connection.
  const sessions = rules.resume && new SessionServer(rules.resume, scheduler, (session) => subscriber.next(session), handshakeTimeout);
  /** Clients past the limits check and not yet CLOSED, in all and per remote address. */
  let admitted = 0;
  const admittedFrom = new Map<string, number>();

  // Handshake deadlines: every client gets the same timeout, so they fall due in the order
  // the clients came; one timer sweeps the queue instead of one timer per connection.
  const handshakes = new Queue<Handshake>();
  let sweep: Subscription | null = null;
  const armSweep = (): void => {
    const next = handshakes.at(0);
    if (sweep !== null || next === undefined) return;
    sweep = scheduler.schedule(() => {
      sweep = null;
      const now = scheduler.now();
      for (let head = handshakes.at(0); head !== undefined && (head.peer === null || head.deadline <= now); head = handshakes.at(0)) {
        handshakes.shift();
        if (head.peer?.getReadyState() === State.CONNECTING) head.peer.close(-1, `handshake timed out after ${handshakeTimeout} ms`);
      }
      armSweep();
    }, Math.max(0, next.deadline - scheduler.now()));
  };

  const report = (refused: RefusedHandshake): Verdict => {
    if (onRefused !== undefined) {
      try {
        onRefused(refused);
      } catch (error) {
        // A bug in the hook must not stop the server; report it as RxJS reports an error
        // thrown by a callback (config.onUnhandledError, else thrown on a later turn).
        if (config.onUnhandledError !== null) config.onUnhandledError(error);
        else
          setTimeout(() => {
            throw error;
          });
      }
    }
    const { status, message } = refused;
    return status === 503 ? { status, message, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } } : { status, message };
  };

  /** The admission rules for one client; they record the slot taken and the context. */
  const rulesFor = (accepted: Client) => (request: UpgradeRequest): Verdict | Promise<Verdict> => {
    if (origins !== undefined) {
      let allowed: boolean;
      try {
        allowed = origins(request.origin) === true;
      } catch (error) {
        return report({ request, status: 500, message: statusMessage(500), by: 'origins', error });
      }
      if (!allowed) return report({ request, status: 403, message: 'Origin not allowed', by: 'origins' });
    }
    const address = request.remoteAddress;
    if (admitted >= maxConnections) {
      return report({ request, status: 503, message: 'Too many connections', by: 'maxConnections' });
    }
    if ((admittedFrom.get(address) ?? 0) >= maxConnectionsPerAddress) {
      return report({ request, status: 503, message: 'Too many connections from this address', by: 'maxConnectionsPerAddress' });
    }
    admitted++;
    admittedFrom.set(address, (admittedFrom.get(address) ?? 0) + 1);
    accepted.slot = address;
    if (authorize === undefined) return true;
    const failed = (error: unknown): Verdict => {
      const { status, message } = refusal(500);
      return report({ request, status, message, by: 'authorize', error });
    };
    const decided = (verdict: unknown): Verdict => {
      const judged = judge(verdict);
      if ('accept' in judged) {
        accepted.context = judged.context;
        return true;
      }
      report({ request, status: judged.status, message: judged.message, by: 'authorize' });
      return judged;
    };
    try {
      const verdict = authorize(request);
      if (isThenable(verdict)) return Promise.resolve(verdict).then(decided, failed);
      return decided(verdict);
    } catch (error) {
      return failed(error);
    }
  };

  const release = (slot: string | null): void => {
    if (slot === null) return;
    admitted--;
    const left = (admittedFrom.get(slot) ?? 1) - 1;
    if (left > 0) admittedFrom.set(slot, left);
    else admittedFrom.delete(slot);
  };

  const host: ClientHost = {
    opened(client) {
      const { socket } = client;
      socket.context = client.context;
      // The session hears the connection's close$ itself, after this watch has ended.
      if (sessions && isSessionProtocol(client.peer.getSelectedProtocol())) sessions.accept(socket);
      else subscriber.next(socket);
    },
    ended(client) {
      clients.delete(client);
      release(client.slot);
      client.slot = null;
    },
  };

  return {
    admit(incoming) {
      const peer = new WebSocketPeer();
      applyPeerOptions(peer, options, caller);
      // The sweep below keeps every client's handshake deadline (0: none), so the peer keeps
      // none of its own: no timer per connection.
      peer.handshakeTimeout = 0;
      if (sessions) prepareSessionPeer(peer, 'server');
      let client: Client | null = null;
      if (checksRequests) peer.authorize = (request) => rulesFor(client!)(request);
      // Options were checked when the server was made; a refusal here still must not leak the socket.
      if (incoming.accept(peer) !== ErrorCode.OK) return incoming.refuse();
      client = new Client(peer, wrap(peer, options), host);
      clients.add(client);
      if (handshakeTimeout > 0) {
        client.handshake = { peer, deadline: scheduler.now() + handshakeTimeout };
        handshakes.push(client.handshake);
        armSweep();
      }
      const watch = client.socket.state$.subscribe(client);
      // Completed already (a client gone before it was admitted) or still going.
      if (clients.has(client)) client.watch = watch;
    },
    stop() {
      sessions?.closeAll(1001);
      sweep?.unsubscribe();
      sweep = null;
      handshakes.clear();
      const left = [...clients];
      clients.clear();
      for (const { peer } of left) peer.close(peer.getReadyState() === State.OPEN ? 1001 : -1);
      for (const { watch } of left) watch?.unsubscribe();
    },
  };
}
