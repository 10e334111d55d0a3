// The options listen() and attach() share: who may connect (authorize, origins, limits),
// how long a handshake may take, compression, and where refusals are reported. Checked at
// the call, so a bad option throws there with its name.
import type { Authorize, UpgradeRequest } from '../peer/handshake.js';
import { PEER_OPTION_KEYS, type PeerOptions } from './connect.js';
import { FROM_PEER_OPTION_KEYS, type FromPeerOptions } from './observable-peer.js';
import { checkTimerMs, describeValue } from './options.js';
import { resumeLimits, type ResumeOptions } from './session/options.js';
import type { SessionLimits } from './session/session-core.js';

/** Why listen() or attach() refused a client's handshake, for `onRefused`. */
export interface RefusedHandshake {
  request: UpgradeRequest;
  /** The HTTP status sent: 401/4xx/5xx from authorize, 403 origins, 503 limits, 500 a hook that threw. */
  status: number;
  /** The response body sent. */
  message: string;
  /** Which rule refused. */
  by: 'origins' | 'maxConnections' | 'maxConnectionsPerAddress' | 'authorize';
  /** What authorize (or an origins function) threw or rejected with (status 500). */
  error?: unknown;
}

export interface ServerOptions extends PeerOptions, FromPeerOptions {
  /**
   * Milliseconds a client has to finish its handshake (authorize included) before it is
   * dropped. Default 3000. 0 sets no limit: a client that sends half a request and stops then
   * holds its connection until it goes away, so keep a limit on a server the public can reach.
   */
  handshakeTimeout?: number;
  /**
   * Decides who may connect, after `origins` and the connection limits: `true` or
   * `{ accept: true, context }` accepts (the client's `context` is then `context`),
   * `false` refuses with HTTP 401, `{ status, message }` with that status (400-599).
   * May be async. A throw or rejection refuses with 500; the server goes on.
   */
  authorize?: Authorize;
  /**
   * Allowed `Origin` header values (exact, e.g. `"https://app.example"`), or a function of the
   * origin (undefined when the client sent none). Refused: HTTP 403. With a list, a request
   * without an Origin (non-browser clients) is refused too; use a function to allow it.
   */
  origins?: string[] | ((origin: string | undefined) => boolean);
  /** Clients connected or handshaking at once; more are refused with HTTP 503 and `Retry-After`. Default: no limit. */
  maxConnections?: number;
  /** The same limit for one remote address. Default: no limit. */
  maxConnectionsPerAddress?: number;
  /**
   * Called for each handshake refused by the rules above (nothing is logged by default). If
   * it throws, the error is reported as RxJS reports one from a callback
   * (`config.onUnhandledError`, else thrown on a later turn) and the refusal still goes out.
   */
  onRefused?: (refusal: RefusedHandshake) => void;
  /**
   * Sessions that survive dropped connections, for clients that connect with `resume`:
   * `true` or `{ windowMs, maxBufferedBytes }`. Each session is emitted once, however many
   * connections carry it; clients without resume are served as before.
   */
  resume?: boolean | ResumeOptions;
}

export interface CheckedServerOptions {
  handshakeTimeout: number;
  authorize: Authorize | undefined;
  origins: ((origin: string | undefined) => boolean) | undefined;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  onRefused: ((refusal: RefusedHandshake) => void) | undefined;
  /** Null without `resume`. */
  resume: SessionLimits | null;
}

/** Every key listen() and attach() share. */
export const SERVER_OPTION_KEYS = [
  ...PEER_OPTION_KEYS,
  ...FROM_PEER_OPTION_KEYS,
  'handshakeTimeout',
  'authorize',
  'origins',
  'maxConnections',
  'maxConnectionsPerAddress',
  'onRefused',
  'resume',
] as const;

/** Checks the server options; throws a TypeError or RangeError naming the first bad one. */
export function checkServerOptions(options: ServerOptions, caller: string): CheckedServerOptions {
  const { handshakeTimeout = 3000, authorize, origins, maxConnections, maxConnectionsPerAddress, onRefused } = options;
  checkTimerMs(caller, 'handshakeTimeout', handshakeTimeout);
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new TypeError(`${caller}: authorize must be a function, got ${describeValue(authorize)}`);
  }
  if (onRefused !== undefined && typeof onRefused !== 'function') {
    throw new TypeError(`${caller}: onRefused must be a function, got ${describeValue(onRefused)}`);
  }
  let allowed: CheckedServerOptions['origins'];
  if (typeof origins === 'function') allowed = origins;
  else if (Array.isArray(origins) && origins.every((o) => typeof o === 'string')) {
    const list = new Set(origins);
    allowed = (origin) => origin !== undefined && list.has(origin);
  } else if (origins !== undefined) {
    throw new TypeError(`${caller}: origins must be an array of strings or a function, got ${describeValue(origins)}`);
  }
  const limit = (name: string, value: unknown): number => {
    if (value === undefined) return Infinity;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new RangeError(`${caller}: ${name} must be an integer ≥ 1, got ${describeValue(value)}`);
    }
    return value;
  };
  return {
    handshakeTimeout,
    authorize,
    origins: allowed,
    maxConnections: limit('maxConnections', maxConnections),
    maxConnectionsPerAddress: limit('maxConnectionsPerAddress', maxConnectionsPerAddress),
    onRefused,
    resume: resumeLimits(caller, options.resume),
  };
}
