import type { WebSocketPeer } from '../../peer/websocket-peer.js';
import { MAX_DATA_HEADER, sessionProtocolFor } from './wire.js';

/** No limit the session would hit by itself: its own buffer (maxBufferedBytes) bounds what is queued. */
const UNLIMITED_PACKETS = 2 ** 31 - 1;

/**
 * Sets up a connection's peer to carry a session, after the user's options were applied:
 * the session subprotocol (riding on each of the application's, so the server can pick one
 * of each), room for the session header on top of the application's message limit, and
 * no outbound limits of its own (a replay after a reconnect may queue the whole buffer).
 * A server also keeps accepting the plain application protocols, for clients without resume.
 */
export function prepareSessionPeer(peer: WebSocketPeer, side: 'client' | 'server'): void {
  const protocols = peer.supportedProtocols;
  const sessions = protocols.length === 0 ? [sessionProtocolFor('')] : protocols.map(sessionProtocolFor);
  peer.supportedProtocols = side === 'client' ? sessions : [...sessions, ...protocols];
  peer.inboundBufferSize += MAX_DATA_HEADER;
  peer.outboundBufferSize = 0;
  peer.maxQueuedPackets = UNLIMITED_PACKETS;
}
