// Turns what Node and ws report about a failed or lost connection into one sentence a
// person can act on (CloseInfo.cause): which address refused, which name did not resolve,
// what the server answered instead of switching protocols, which certificate check failed.

/** The error shapes Node's net/dns/tls and ws produce. */
interface NodeError extends Error {
  code?: string;
  address?: string;
  port?: number;
  hostname?: string;
  syscall?: string;
}

/** What the client asked for, to name it in the cause. */
export interface CauseContext {
  host?: string;
  port?: number;
  protocols?: readonly string[];
}

const TLS_CODES = /^(?:ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_SSL_)/;

export function describeConnectionError(error: NodeError, context: CauseContext = {}): string {
  const code = error.code ?? '';
  const where = error.address !== undefined ? `${error.address}${error.port !== undefined ? `:${error.port}` : ''}` : hostPort(context);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${where} (nothing is listening there?)`;
    case 'ENOTFOUND':
      return `DNS lookup failed: "${error.hostname ?? context.host ?? '?'}" does not resolve`;
    case 'EAI_AGAIN':
      return `DNS lookup for "${error.hostname ?? context.host ?? '?'}" failed temporarily (no DNS server answered)`;
    case 'ECONNRESET':
      return `connection reset by ${where}`;
    case 'ETIMEDOUT':
      return `TCP connection to ${where} timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable (${code})`;
    case 'EPIPE':
      return `the remote closed the connection while data was being written (EPIPE)`;
  }
  if (TLS_CODES.test(code)) return `TLS verification failed: ${error.message} (${code})`;
  const message = error.message;
  const status = /^Unexpected server response: (\d+)/.exec(message);
  if (status !== null) return `the server answered HTTP ${status[1]} instead of accepting the WebSocket upgrade`;
  if (message === 'Server sent no subprotocol' || message === 'Server sent an invalid subprotocol') {
    const offered = context.protocols?.length ? context.protocols.join(', ') : '(none)';
    return `the server accepted none of the offered subprotocols: ${offered}`;
  }
  if (message === 'Server sent a subprotocol but none was requested') return 'the server selected a subprotocol although none was offered';
  if (message === 'Opening handshake has timed out') return 'handshake timed out';
  if (message.startsWith('Invalid Sec-WebSocket-Accept') || message.startsWith('Invalid Upgrade header') || message.startsWith('Missing')) {
    return `the server's handshake response is not a valid WebSocket upgrade: ${message}`;
  }
  return code !== '' ? `${message} (${code})` : message;
}

function hostPort({ host, port }: CauseContext): string {
  if (host === undefined) return 'the remote';
  return port === undefined ? host : `${host}:${port}`;
}
