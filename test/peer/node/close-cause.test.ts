// describeConnectionError(): what Node and ws report about a failed connection, as the one
// sentence a person can act on (CloseInfo.cause). Errors are built as Node and ws build them.
import { describeConnectionError } from '../../../src/peer/node/close-cause';

function nodeError(message: string, fields: { code?: string; address?: string; port?: number; hostname?: string } = {}): Error {
  return Object.assign(new Error(message), fields);
}

describe('describeConnectionError', () => {
  it('names the address that refused, from the error or else from what the client asked for', () => {
    expect(describeConnectionError(nodeError('connect ECONNREFUSED', { code: 'ECONNREFUSED', address: '127.0.0.1', port: 9 }))).toBe(
      'connection refused by 127.0.0.1:9 (nothing is listening there?)',
    );
    expect(describeConnectionError(nodeError('x', { code: 'ECONNREFUSED' }), { host: 'example.test', port: 80 })).toBe(
      'connection refused by example.test:80 (nothing is listening there?)',
    );
    expect(describeConnectionError(nodeError('x', { code: 'ECONNRESET' }), { host: 'h' })).toBe('connection reset by h');
    expect(describeConnectionError(nodeError('x', { code: 'ECONNRESET' }))).toBe('connection reset by the remote');
  });

  it('names the host whose DNS lookup failed', () => {
    expect(describeConnectionError(nodeError('getaddrinfo ENOTFOUND', { code: 'ENOTFOUND', hostname: 'nothing.invalid' }))).toBe(
      'DNS lookup failed: "nothing.invalid" does not resolve',
    );
    expect(describeConnectionError(nodeError('x', { code: 'EAI_AGAIN' }), { host: 'h.test' })).toBe(
      'DNS lookup for "h.test" failed temporarily (no DNS server answered)',
    );
    expect(describeConnectionError(nodeError('x', { code: 'ENOTFOUND' }))).toBe('DNS lookup failed: "?" does not resolve');
  });

  it('timeouts, unreachable networks and EPIPE', () => {
    expect(describeConnectionError(nodeError('x', { code: 'ETIMEDOUT', address: '127.0.0.2', port: 1 }))).toBe('TCP connection to 127.0.0.2:1 timed out');
    expect(describeConnectionError(nodeError('x', { code: 'EHOSTUNREACH', address: 'h' }))).toBe('h is unreachable (EHOSTUNREACH)');
    expect(describeConnectionError(nodeError('x', { code: 'ENETUNREACH', address: 'h' }))).toBe('h is unreachable (ENETUNREACH)');
    expect(describeConnectionError(nodeError('write EPIPE', { code: 'EPIPE' }))).toBe(
      'the remote closed the connection while data was being written (EPIPE)',
    );
  });

  it.each(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED'])(
    'a TLS failure (%s) keeps the message and the code',
    (code) => {
      expect(describeConnectionError(nodeError('self-signed certificate', { code }))).toBe(`TLS verification failed: self-signed certificate (${code})`);
    },
  );

  it("what ws says about the server's answer", () => {
    expect(describeConnectionError(nodeError('Unexpected server response: 404'))).toBe(
      'the server answered HTTP 404 instead of accepting the WebSocket upgrade',
    );
    expect(describeConnectionError(nodeError('Server sent no subprotocol'), { protocols: ['a', 'b'] })).toBe(
      'the server accepted none of the offered subprotocols: a, b',
    );
    expect(describeConnectionError(nodeError('Server sent an invalid subprotocol'))).toBe('the server accepted none of the offered subprotocols: (none)');
    expect(describeConnectionError(nodeError('Server sent a subprotocol but none was requested'))).toBe(
      'the server selected a subprotocol although none was offered',
    );
    expect(describeConnectionError(nodeError('Opening handshake has timed out'))).toBe('handshake timed out');
    expect(describeConnectionError(nodeError('Invalid Sec-WebSocket-Accept header'))).toBe(
      "the server's handshake response is not a valid WebSocket upgrade: Invalid Sec-WebSocket-Accept header",
    );
    expect(describeConnectionError(nodeError('Missing expected Upgrade header'))).toBe(
      "the server's handshake response is not a valid WebSocket upgrade: Missing expected Upgrade header",
    );
  });

  it('anything else: the message, with the code when there is one', () => {
    expect(describeConnectionError(nodeError('something odd', { code: 'EWHATEVER' }))).toBe('something odd (EWHATEVER)');
    expect(describeConnectionError(nodeError('something odd'))).toBe('something odd');
  });
});
