// The server's judgement of an opening handshake, on its own (no sockets): every check in
// order, the subprotocol choice (the client's order, first supported), and the URL it records.
import { checkUpgradeRequest, type HttpUpgrade } from '../../../src/peer/node/upgrade-request';

const good = (headers: Record<string, string> = {}, extra: Partial<HttpUpgrade> = {}): HttpUpgrade => ({
  method: 'GET',
  url: '/chat?room=1',
  httpVersionMajor: 1,
  httpVersionMinor: 1,
  headers: {
    host: 'game.example:8080',
    upgrade: 'websocket',
    connection: 'keep-alive, Upgrade',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  },
  ...extra,
});

describe('checkUpgradeRequest', () => {
  it('accepts a well-formed request and records ws(s):// + Host + path and query', () => {
    expect(checkUpgradeRequest(good(), [], false)).toEqual({ ok: true, protocol: '', offered: [], requestedUrl: 'ws://game.example:8080/chat?room=1' });
    expect(checkUpgradeRequest(good(), [], true)).toMatchObject({ ok: true, requestedUrl: 'wss://game.example:8080/chat?room=1' });
  });

  it.each([
    ['a method other than GET', good({}, { method: 'POST' }), 'Method must be GET'],
    ['HTTP/1.0', good({}, { httpVersionMinor: 0 }), 'HTTP/1.1 required'],
    ['no Host', good({ host: '' }), 'Missing Host header'],
    ['no Upgrade: websocket', good({ upgrade: 'h2c' }), 'Invalid Upgrade header'],
    ['no Connection: upgrade', good({ connection: 'keep-alive' }), 'Invalid Connection header'],
    ['a malformed key', good({ 'sec-websocket-key': 'short' }), 'Missing or invalid Sec-WebSocket-Key header'],
    ['a malformed protocol list', good({ 'sec-websocket-protocol': 'a, a' }), 'Invalid Sec-WebSocket-Protocol header'],
  ])('refuses %s, saying why', (_what, request, reason) => {
    expect(checkUpgradeRequest(request, [], false)).toMatchObject({ ok: false, reason });
  });

  it('answers a wrong version with the one it speaks', () => {
    expect(checkUpgradeRequest(good({ 'sec-websocket-version': '8' }), [], false)).toEqual({
      ok: false,
      reason: 'Missing or invalid Sec-WebSocket-Version header',
      headers: { 'Sec-WebSocket-Version': '13' },
    });
  });

  it('takes the first of the client’s subprotocols that it supports, in the client’s order', () => {
    expect(checkUpgradeRequest(good({ 'sec-websocket-protocol': 'b, a' }), ['a', 'b'], false)).toMatchObject({ ok: true, protocol: 'b' });
    expect(checkUpgradeRequest(good({ 'sec-websocket-protocol': 'x, y' }), ['a'], false)).toMatchObject({ ok: false, reason: 'No supported subprotocol offered' });
    expect(checkUpgradeRequest(good(), ['a'], false)).toMatchObject({ ok: false, reason: 'A subprotocol is required' });
    expect(checkUpgradeRequest(good({ 'sec-websocket-protocol': 'a' }), [], false)).toMatchObject({ ok: false, reason: 'No supported subprotocol offered' });
  });
});
