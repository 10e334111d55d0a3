import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import { ErrorCode } from '../peer/constants.js';
import type { TLSOptions } from '../peer/tls-options.js';
import { normalizeProtocols, parseHeaderLine } from '../peer/validation.js';
import { WebSocketPeer } from '../peer/websocket-peer.js';
import { resumeLimits, type ResumeOptions } from '../session/options.js';
import { connectSession } from './connect-session.js';
import { WebSocketCloseError, WebSocketPeerError } from './errors.js';
import { type FromPeerOptions, kWhenFinished, type ObservablePeer, validateFromPeerOptions, wrap } from './observable-peer.js';

/** The peer's properties, set before it connects or accepts. */
export interface PeerOptions {
  /** Subprotocols to offer (client) or accept (server). */
  protocols?: string[];
  /** Extra handshake headers, as `"Name: value"` lines or an object. */
  headers?: string[] | Record<string, string>;
  inboundBufferSize?: number;
  outboundBufferSize?: number;
  maxQueuedPackets?: number;
  /** Protocol-level ping interval in seconds (0 = off). */
  heartbeatInterval?: number;
  noDelay?: boolean;
}

export interface ConnectOptions extends PeerOptions, FromPeerOptions {
  /** TLS settings for wss:// (`TLSOptions.client(...)` or `TLSOptions.clientUnsafe()`). */
  tls?: TLSOptions;
  /**
   * Keep one session across dropped connections: `true` or `{ windowMs, maxBufferedBytes }`.
   * The server must listen with `resume` too. See README "Sessions that survive a dropped connection".
   */
  resume?: boolean | ResumeOptions;
}

/** Applies `options` to `peer`; throws a TypeError naming the first bad option. */
export function applyPeerOptions(peer: WebSocketPeer, options: PeerOptions, caller: string): void {
  const { protocols, headers, inboundBufferSize, outboundBufferSize, maxQueuedPackets, heartbeatInterval, noDelay } = options;
  if (protocols !== undefined) {
    if (normalizeProtocols(protocols) === null) {
      throw new TypeError(`${caller}: protocols must be distinct tokens (RFC 7230), got ${JSON.stringify(protocols)}`);
    }
    peer.supportedProtocols = [...protocols];
  }
  if (headers !== undefined) {
    let lines: string[];
    if (Array.isArray(headers)) lines = [...headers];
    else if (typeof headers === 'object' && headers !== null) {
      lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    } else throw new TypeError(`${caller}: headers must be "Name: value" lines or an object`);
    const bad = lines.find((line) => parseHeaderLine(line) === null);
    if (bad !== undefined) throw new TypeError(`${caller}: not a valid "Name: value" header: ${JSON.stringify(bad)}`);
    peer.handshakeHeaders = lines;
  }
  const positive = (name: string, value: number | undefined, allowZeroOrLess = false): void => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || (!allowZeroOrLess && value <= 0)) {
      throw new TypeError(`${caller}: ${name} must be ${allowZeroOrLess ? 'an integer' : 'a positive integer'}, got ${String(value)}`);
    }
  };
  positive('inboundBufferSize', inboundBufferSize);
  positive('outboundBufferSize', outboundBufferSize, true);
  positive('maxQueuedPackets', maxQueuedPackets);
  if (inboundBufferSize !== undefined) peer.inboundBufferSize = inboundBufferSize;
  if (outboundBufferSize !== undefined) peer.outboundBufferSize = outboundBufferSize;
  if (maxQueuedPackets !== undefined) peer.maxQueuedPackets = maxQueuedPackets;
  if (heartbeatInterval !== undefined) {
    if (typeof heartbeatInterval !== 'number' || !Number.isFinite(heartbeatInterval) || heartbeatInterval < 0) {
      throw new TypeError(`${caller}: heartbeatInterval must be a number of seconds ≥ 0, got ${String(heartbeatInterval)}`);
    }
    peer.heartbeatInterval = heartbeatInterval;
  }
  if (noDelay !== undefined) peer.setNoDelay(noDelay);
}

/**
 * A cold connection: each subscription creates a peer, connects it and emits it as an
 * {@link ObservablePeer}; it completes after a clean close and errors with
 * {@link WebSocketCloseError} after an unclean one (failed connect included), so `retry`
 * and `repeat` compose. Unsubscribing closes the connection with 1000.
 *
 * @example
 * connect('ws://127.0.0.1:9080', { protocols: ['demo-chat'] }).pipe(
 *   switchMap((socket) => socket.packets$),
 *   retry({ delay: 1000 }),
 * ).subscribe((packet) => console.log(packet.text));
 */
export function connect(url: string, options: ConnectOptions = {}): Observable<ObservablePeer> {
  // Validate everything we can now, so a bad option fails at the call site.
  applyPeerOptions(new WebSocketPeer(), options, 'connect');
  validateFromPeerOptions(options, 'connect');
  const limits = resumeLimits('connect', options.resume);
  if (limits !== null) {
    const createPeer = (): WebSocketPeer => {
      const peer = new WebSocketPeer();
      applyPeerOptions(peer, options, 'connect');
      return peer;
    };
    return connectSession(url, options.tls, createPeer, options, limits);
  }
  return new Observable<ObservablePeer>((subscriber) => {
    const peer = new WebSocketPeer();
    applyPeerOptions(peer, options, 'connect');
    const error = peer.connectToUrl(url, options.tls);
    if (error !== ErrorCode.OK) {
      subscriber.error(new WebSocketPeerError(error, `connect(${JSON.stringify(url)}) refused`));
      return;
    }
    return emitConnection(peer, options, subscriber);
  });
}

/**
 * The connect() contract for a peer that is connecting: emits it as an ObservablePeer,
 * completes after a clean close, errors with WebSocketCloseError after an unclean one
 * (only once every listener of the socket heard the close), and closes with 1000 on
 * teardown. Shared with the test kit's scripted connections.
 */
export function emitConnection(peer: WebSocketPeer, options: FromPeerOptions, subscriber: Subscriber<ObservablePeer>): TeardownLogic {
  const socket = wrap(peer, options);
  // Keeps the poll loop running for as long as the connection is subscribed ...
  const polling = socket.close$.subscribe();
  // ... and ends this stream only after every listener of the socket heard the close.
  const stopWaiting = socket[kWhenFinished]((info) => {
    if (info.wasClean) subscriber.complete();
    else subscriber.error(new WebSocketCloseError(info));
  });
  subscriber.next(socket);
  return () => {
    stopWaiting();
    peer.close(1000);
    polling.unsubscribe();
  };
}
