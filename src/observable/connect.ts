import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import { ErrorCode, State } from '../peer/constants.js';
import { TLSOptions } from '../peer/tls-options.js';
import { describeUrlProblem, normalizeProtocols, parseHeaderLine } from '../peer/validation.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import { resumeLimits, type ResumeOptions } from './session/options.js';
import { connectSession } from './connect-session.js';
import { WebSocketCloseError, WebSocketPeerError } from './errors.js';
import { type FromPeerOptions, FROM_PEER_OPTION_KEYS, kWhenFinished, type ObservablePeer, validateFromPeerOptions, wrap } from './observable-peer.js';
import { checkOptions, checkTimerMs, describeValue } from './options.js';

/** The peer's properties, set before it connects or accepts. */
export interface PeerOptions {
  /** Subprotocols to offer (client) or accept (server). */
  protocols?: string[];
  /** Extra handshake headers, as `"Name: value"` lines or an object. */
  headers?: string[] | Record<string, string>;
  inboundBufferSize?: number;
  outboundBufferSize?: number;
  maxQueuedPackets?: number;
  /** Protocol-level ping interval in ms (0 = off): no pong before the next ping drops the connection. */
  heartbeatInterval?: number;
  /** Nagle's algorithm off (true, the default) or on. */
  noDelay?: boolean;
  /**
   * permessage-deflate: a client offers it unless `false` (the default offers, as browsers
   * and ws do); a server (listen, attach) accepts it only with `true` or `{ threshold }`
   * (bytes below which a message goes uncompressed; default 0: every message).
   */
  perMessageDeflate?: boolean | { threshold?: number };
}

/** The keys of {@link PeerOptions}, for option checking by every factory that takes them. */
export const PEER_OPTION_KEYS = [
  'protocols',
  'headers',
  'inboundBufferSize',
  'outboundBufferSize',
  'maxQueuedPackets',
  'heartbeatInterval',
  'noDelay',
  'perMessageDeflate',
] as const;

export interface ConnectOptions extends PeerOptions, FromPeerOptions {
  /** TLS settings for wss:// (`TLSOptions.client(...)` or `TLSOptions.clientUnsafe()`). */
  tls?: TLSOptions;
  /** Ms the connection may take to open before it fails with the cause "connect timed out" (0 = no limit). Default 30000. */
  connectTimeout?: number;
  /**
   * Keep one session across dropped connections: `true` or `{ windowMs, maxBufferedBytes }`.
   * The server must listen with `resume` too. See README "Sessions that survive a dropped connection".
   */
  resume?: boolean | ResumeOptions;
}

const CONNECT_OPTION_KEYS = [...PEER_OPTION_KEYS, ...FROM_PEER_OPTION_KEYS, 'tls', 'connectTimeout', 'resume'] as const;
const DEFAULT_CONNECT_TIMEOUT = 30_000;

/** Applies `options` to `peer`; throws a TypeError naming the first bad option. */
export function applyPeerOptions(peer: WebSocketPeer, options: PeerOptions, caller: string): void {
  const { protocols, headers, inboundBufferSize, outboundBufferSize, maxQueuedPackets, heartbeatInterval, noDelay } = options;
  if (protocols !== undefined) {
    if (normalizeProtocols(protocols) === null) {
      throw new TypeError(`${caller}: protocols must be an array of distinct tokens (RFC 7230), got ${safeJson(protocols)}`);
    }
    peer.supportedProtocols = [...protocols];
  }
  if (headers !== undefined) {
    let lines: string[];
    if (Array.isArray(headers)) lines = [...headers];
    else if (typeof headers === 'object' && headers !== null) {
      // A value that is not a string stays as it is, so the check below names it.
      lines = Object.entries(headers).map(([name, value]) => (typeof value === 'string' ? `${name}: ${value}` : (value as string)));
    } else throw new TypeError(`${caller}: headers must be "Name: value" lines or an object, got ${describeValue(headers)}`);
    const bad = lines.findIndex((line) => typeof line !== 'string' || parseHeaderLine(line) === null);
    if (bad >= 0) {
      throw new TypeError(`${caller}: headers: not a valid "Name: value" header: ${describeValue(lines[bad])}`);
    }
    peer.handshakeHeaders = lines;
  }
  const positive = (name: string, value: number | undefined, allowZeroOrLess = false): void => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || (!allowZeroOrLess && value <= 0)) {
      throw new TypeError(`${caller}: ${name} must be ${allowZeroOrLess ? 'an integer' : 'a positive integer'}, got ${describeValue(value)}`);
    }
  };
  positive('inboundBufferSize', inboundBufferSize);
  positive('outboundBufferSize', outboundBufferSize, true);
  positive('maxQueuedPackets', maxQueuedPackets);
  if (inboundBufferSize !== undefined) peer.inboundBufferSize = inboundBufferSize;
  if (outboundBufferSize !== undefined) peer.outboundBufferSize = outboundBufferSize;
  if (maxQueuedPackets !== undefined) peer.maxQueuedPackets = maxQueuedPackets;
  if (heartbeatInterval !== undefined) {
    checkTimerMs(caller, 'heartbeatInterval', heartbeatInterval);
    peer.heartbeatInterval = heartbeatInterval / 1000; // the peer counts in seconds, as Godot does
  }
  if (noDelay !== undefined) {
    if (typeof noDelay !== 'boolean') throw new TypeError(`${caller}: noDelay must be a boolean, got ${describeValue(noDelay)}`);
    peer.setNoDelay(noDelay);
  }
  const { perMessageDeflate } = options;
  if (perMessageDeflate !== undefined) {
    const threshold = typeof perMessageDeflate === 'object' && perMessageDeflate !== null ? perMessageDeflate.threshold : undefined;
    const valid =
      typeof perMessageDeflate === 'boolean' ||
      (typeof perMessageDeflate === 'object' && perMessageDeflate !== null && (threshold === undefined || (Number.isInteger(threshold) && threshold >= 0)));
    if (!valid) throw new TypeError(`${caller}: perMessageDeflate must be a boolean or { threshold: integer ≥ 0 }, got ${describeValue(perMessageDeflate)}`);
    peer.perMessageDeflate = typeof perMessageDeflate === 'boolean' ? perMessageDeflate : { ...perMessageDeflate };
  }
}

/**
 * A cold connection: each subscription creates a peer, connects it and emits it as an
 * {@link ObservablePeer} once it is OPEN, so `send()` works on what it emits. It
 * completes after a clean close and errors with {@link WebSocketCloseError} (with a
 * `cause`) when the connection fails before opening or closes uncleanly later, so
 * `retry()`, `repeat()` and {@link reconnect} compose. Unsubscribing closes the
 * connection with 1000. A bad URL or option throws at the call.
 *
 * @example
 * const subscription = connect('ws://127.0.0.1:9080', { protocols: ['demo-chat'] }).pipe(
 *   switchMap((socket) => socket.packets$),
 *   retry({ delay: 1000 }),
 * ).subscribe((packet) => console.log(packet.text)); // subscription.unsubscribe() closes it with 1000
 */
export function connect(url: string, options: ConnectOptions = {}): Observable<ObservablePeer> {
  // Validate everything now, so a bad URL or option fails at the call site.
  const problem = describeUrlProblem(url);
  if (problem !== null) throw new TypeError(`connect: ${problem}`);
  checkOptions('connect', options, CONNECT_OPTION_KEYS);
  applyPeerOptions(new WebSocketPeer(), options, 'connect');
  validateFromPeerOptions(options, 'connect');
  const { tls, connectTimeout = DEFAULT_CONNECT_TIMEOUT } = options;
  if (tls !== undefined && !(tls instanceof TLSOptions && !tls.isServer())) {
    throw new TypeError(`connect: tls must be TLSOptions.client(...) or TLSOptions.clientUnsafe(...), got ${describeValue(tls)}`);
  }
  checkTimerMs('connect', 'connectTimeout', connectTimeout);
  const limits = resumeLimits('connect', options.resume);
  if (limits !== null) {
    const createPeer = (): WebSocketPeer => {
      const peer = new WebSocketPeer();
      applyPeerOptions(peer, options, 'connect');
      return peer;
    };
    return connectSession(url, tls, createPeer, options, limits, connectTimeout);
  }
  return new Observable<ObservablePeer>((subscriber) => {
    const peer = new WebSocketPeer();
    applyPeerOptions(peer, options, 'connect');
    peer.handshakeTimeout = 0; // connectTimeout (below) is the one limit on CONNECTING here
    const error = peer.connectToUrl(url, tls);
    if (error !== ErrorCode.OK) {
      subscriber.error(new WebSocketPeerError(error, `connect(${JSON.stringify(url)}) refused`));
      return;
    }
    return emitConnection(peer, options, subscriber, connectTimeout);
  });
}

/**
 * The connect() contract for a peer that is connecting: emits it as an ObservablePeer once
 * OPEN, completes after a clean close, errors with WebSocketCloseError after a failed
 * connect or an unclean close (only once every listener of the socket heard the close),
 * and closes with 1000 on teardown. `connectTimeout` ms (0 = none) bounds CONNECTING.
 * Shared with the test kit's scripted connections.
 */
export function emitConnection(
  peer: WebSocketPeer,
  options: FromPeerOptions,
  subscriber: Subscriber<ObservablePeer>,
  connectTimeout = 0,
): TeardownLogic {
  const socket = wrap(peer, options);
  let timeout =
    connectTimeout > 0
      ? socket.scheduler.schedule(() => {
          timeout = null;
          peer.close(-1, `connect timed out: not open after ${connectTimeout} ms (connectTimeout)`);
        }, connectTimeout)
      : null;
  // Keeps the poll loop running for as long as the connection is subscribed, and hands
  // the socket on once it is OPEN (packets that came with the handshake are still queued).
  const watching = socket.state$.subscribe((state) => {
    if (state !== State.OPEN) return;
    timeout?.unsubscribe();
    timeout = null;
    subscriber.next(socket);
  });
  // Ends this stream only after every listener of the socket heard the close.
  const stopWaiting = socket[kWhenFinished]((info) => {
    timeout?.unsubscribe();
    if (info.wasClean) subscriber.complete();
    else subscriber.error(new WebSocketCloseError(info));
  });
  return () => {
    stopWaiting();
    timeout?.unsubscribe();
    peer.close(1000);
    watching.unsubscribe();
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? describeValue(value);
  } catch {
    return describeValue(value);
  }
}
