// Node only: a ConnectionListener on TCPServer (node:net) that wraps each connection in TLS
// when given TLSOptions.server(key, cert). Used by listen() and, through server-platform.ts
// (which browser bundles swap for server-platform.browser.ts, without servers), by the
// multiplayer peer.
import { ErrorCode } from '../constants.js';
import { kOnConnection } from '../internal.js';
import type { ConnectionListener, IncomingConnection } from '../listener.js';
import type { TLSOptions } from '../tls-options.js';
import { isUsableServerTls, StreamPeerTLS } from './stream-peer.js';
import { TCPServer } from './tcp-server.js';

/** Listens on TCP; ERR_INVALID_PARAMETER for a bad port, address or TLS options, ERR_ALREADY_IN_USE, … */
export function listenTcp(port: number, bindAddress: string, tls: TLSOptions | null): ConnectionListener | ErrorCode {
  if (tls !== null && !isUsableServerTls(tls)) return ErrorCode.ERR_INVALID_PARAMETER;
  const tcp = new TCPServer();
  const error = tcp.listen(port, bindAddress);
  return error === ErrorCode.OK ? tcpListener(tcp, tls) : error;
}

function tcpListener(tcp: TCPServer, tls: TLSOptions | null): ConnectionListener {
  return {
    ready: () => tcp.ready(),
    getLocalPort: () => tcp.getLocalPort(),
    take(): IncomingConnection | null {
      const stream = tcp.takeConnection();
      if (stream === null) return null;
      return {
        accept(peer) {
          if (tls === null) return peer.acceptStream(stream);
          const secure = new StreamPeerTLS();
          const error = secure.acceptStream(stream, tls);
          return error === ErrorCode.OK ? peer.acceptStream(secure) : error;
        },
        refuse: () => stream.disconnectFromHost(),
      };
    },
    onConnection: (callback) => tcp[kOnConnection](callback),
    stop() {
      tcp[kOnConnection](null);
      tcp.stop();
    },
  };
}
