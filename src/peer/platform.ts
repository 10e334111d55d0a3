// Node: client connections over ws; server-side streams from TCPServer / StreamPeerTLS.
// Imported as "#platform": package.json "imports" maps it to this module, and to
// platform.browser.ts under the "browser" condition (bundlers targeting browsers).
import { ErrorCode } from './constants.js';
import type { AttachRequest } from './internal.js';
import { acceptNodeStream } from './node/accept.js';
import { connectWithWs } from './node/ws-transport.js';
import type { Listen } from './listener.js';
import { listenTcp } from './node/tcp-listener.js';
import type { ClientRequest, Transport, TransportSink } from './transport.js';

export interface Platform {
  connect(request: ClientRequest, sink: TransportSink): Transport;
  /** A server-side handshake over `stream`, or why it can't be done. */
  accept(stream: unknown): Pick<AttachRequest, 'open'> | ErrorCode;
  /** Server-side connections (WebSocketMultiplayerPeer.createServer); absent where no server can run (browsers). */
  listen?: Listen;
}

export const platform: Platform = {
  connect: connectWithWs,
  accept: acceptNodeStream,
  listen: listenTcp,
};
