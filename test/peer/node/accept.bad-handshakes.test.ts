// Each bad opening handshake, sent over a raw socket to a live server (TCPServer +
// WebSocketPeer.acceptStream, polled in the background): the client gets HTTP 400 (where
// HTTP can still be spoken) and a closed socket, that one peer ends CLOSED with -1, and the
// server goes on serving a good client.
import { connect as tlsConnect } from 'node:tls';
import { State, TLSOptions, WebSocketPeer } from 'rxpeer';
import {
  closeOf,
  makeCertificate,
  PollingServer,
  rawConnect,
  rawExchange,
  removeCertificate,
  upgradeRequest,
  within,
  WsClient,
  type Certificate,
} from '../../helpers/server';

let server: PollingServer | undefined;
afterEach(() => {
  server?.stop();
  server = undefined;
});

async function start(protocols: string[] = [], tls: TLSOptions | null = null): Promise<PollingServer> {
  server = await PollingServer.start({
    configure: (peer: WebSocketPeer) => {
      peer.supportedProtocols = protocols;
    },
    tls,
  });
  return server;
}

/** A good client still gets through, and is echoed. */
async function expectServesGoodClient(live: PollingServer, protocols: string[] = [], options = {}): Promise<void> {
  const client = new WsClient(live.url('/good'), protocols, options);
  await client.opened;
  client.ws.send('still serving');
  expect((await client.next()).data.toString()).toBe('still serving');
  client.ws.close(1000);
  expect((await client.closed).code).toBe(1000);
}

/** The peer for the `n`th connection ended CLOSED with -1 without ever being OPEN. */
async function expectFailedPeer(live: PollingServer, n: number): Promise<void> {
  const { peer, states } = await live.closedPeer(n);
  expect(states).toEqual([State.CONNECTING, State.CLOSED]);
  expect(peer.getCloseCode()).toBe(-1);
  expect(peer.getCloseReason()).toBe('');
}

const tlsClientHello = Buffer.from('16030100a5010000a10303', 'hex');

describe.each([
  ['a plain GET, not an upgrade', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', []],
  ['Upgrade without "Connection: Upgrade"', upgradeRequest('/', { Connection: 'keep-alive' }), []],
  ['a POST upgrade', upgradeRequest('/', {}, 'POST'), []],
  ['the CONNECT method', 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n', []],
  ['HTTP/1.0', upgradeRequest('/').replace('HTTP/1.1', 'HTTP/1.0'), []],
  ['Sec-WebSocket-Version 8', upgradeRequest('/', { 'Sec-WebSocket-Version': '8' }), []],
  ['no Sec-WebSocket-Version', upgradeRequest('/', { 'Sec-WebSocket-Version': null }), []],
  ['no Sec-WebSocket-Key', upgradeRequest('/', { 'Sec-WebSocket-Key': null }), []],
  ['a malformed Sec-WebSocket-Key', upgradeRequest('/', { 'Sec-WebSocket-Key': 'short' }), []],
  ['no matching subprotocol', upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'other, another' }), ['chat']],
  ['no subprotocol while the server requires one', upgradeRequest('/'), ['chat']],
  ['a subprotocol to a server that supports none', upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'chat' }), []],
  ['a malformed Sec-WebSocket-Protocol', upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'a b' }), ['a']],
  ['garbage bytes (a TLS ClientHello to a plain server)', tlsClientHello, []],
  ['zero bytes', Buffer.alloc(64), []],
] as [string, string | Buffer, string[]][])('a request with %s', (_, request, protocols) => {
  it('gets HTTP 400 and a closed socket; that peer is CLOSED with -1; a good client is still served', async () => {
    const live = await start(protocols);
    const { response, closed } = await rawExchange(live.port, request);
    expect(closed).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(response).toMatch(/\r\nConnection: close\r\n/i);
    await expectFailedPeer(live, 1);
    await expectServesGoodClient(live, protocols.slice(0, 1));
  });
});

describe('server handshake failures', () => {
  it('tells a client with the wrong version which one to use', async () => {
    const live = await start();
    const { response } = await rawExchange(live.port, upgradeRequest('/', { 'Sec-WebSocket-Version': '8' }));
    expect(response).toMatch(/\r\nSec-WebSocket-Version: 13\r\n/);
  });

  it('a client that hangs up half-way through its request: CLOSED with -1, others served', async () => {
    const live = await start();
    const { closed } = await rawExchange(live.port, 'GET / HTTP/1.1\r\nHost: x\r\n', { end: true });
    expect(closed).toBe(true);
    await expectFailedPeer(live, 1);
    await expectServesGoodClient(live);
  });

  it('a silent client does not hold up the others, and is CLOSED with -1 once it leaves', async () => {
    const live = await start();
    const silent = await rawConnect(live.port);
    await live.until(() => live.records.length === 1, 'the silent connection to be accepted');
    await expectServesGoodClient(live);
    expect(live.records[0]!.peer.getReadyState()).toBe(State.CONNECTING); // no timeout in Godot 4's peer
    silent.destroy();
    await expectFailedPeer(live, 1);
  });

  it('several bad clients at once leave a good one unaffected', async () => {
    const live = await start(['chat']);
    const good = new WsClient(live.url('/'), ['chat']);
    await good.opened;
    const bad = await Promise.all([
      rawExchange(live.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      rawExchange(live.port, upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'nope' })),
      rawExchange(live.port, tlsClientHello),
    ]);
    expect(bad.map((b) => b.response.slice(0, 24))).toEqual(Array(3).fill('HTTP/1.1 400 Bad Request'));
    good.ws.send('unaffected');
    expect((await good.next()).data.toString()).toBe('unaffected');
    await live.until(() => live.records.filter((r) => r.peer.getCloseCode() === -1 && r.peer.getReadyState() === State.CLOSED).length === 3, 'three failed peers');
    good.ws.close(1000);
    await good.closed;
  });

  describe('over TLS', () => {
    let certificate: Certificate;
    beforeAll(() => {
      certificate = makeCertificate();
    });
    afterAll(() => removeCertificate(certificate));

    const startTls = (): Promise<PollingServer> => start([], TLSOptions.server(certificate.key, certificate.cert));

    it('a plain-text client fails the TLS handshake: closed, CLOSED with -1, a TLS client still served', async () => {
      const live = await startTls();
      const { closed, response } = await rawExchange(live.port, upgradeRequest('/'));
      expect(closed).toBe(true);
      expect(response).not.toMatch(/^HTTP/); // TLS alert bytes at most: no HTTP before TLS
      await expectFailedPeer(live, 1);
      await expectServesGoodClient(live, [], { ca: certificate.cert });
    });

    it('a TLS client that rejects the certificate: CLOSED with -1, a trusting client still served', async () => {
      const live = await startTls();
      const failure = await within(
        new Promise<string>((resolve) => {
          const socket = tlsConnect({ host: '127.0.0.1', port: live.port }); // verifies; the certificate is self-signed
          socket.on('secureConnect', () => resolve('connected'));
          socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        }),
        'the TLS client to give up',
      );
      expect(failure).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      await expectFailedPeer(live, 1);
      await expectServesGoodClient(live, [], { ca: certificate.cert });
    });

    it('garbage instead of a ClientHello: CLOSED with -1', async () => {
      const live = await startTls();
      const { closed } = await rawExchange(live.port, Buffer.alloc(64, 0x41));
      expect(closed).toBe(true);
      await expectFailedPeer(live, 1);
      await expectServesGoodClient(live, [], { ca: certificate.cert });
    });
  });

  it('the raw helper really sees a close (sanity: a good handshake stays open)', async () => {
    const live = await start();
    const socket = await rawConnect(live.port);
    const response = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString('latin1'))));
    socket.write(upgradeRequest('/'));
    expect(await within(response, 'the 101 response')).toMatch(/^HTTP\/1\.1 101 /);
    await live.until(() => live.records[0]?.peer.getReadyState() === State.OPEN, 'the peer to open');
    expect(socket.destroyed).toBe(false);
    socket.destroy();
    await closeOf(socket);
  });
});
