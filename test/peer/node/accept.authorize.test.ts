// The Godot-named servers refuse handshakes and expose each client's request: TCPServer +
// WebSocketPeer.acceptStream (peer.authorize, getUpgradeRequest), Godot 3's WebSocketServer
// (authorize, getPeerRequest) and WebSocketMultiplayerPeer (authorize). The hook runs inside
// poll(); without it nothing changes (every valid request is accepted).
import { ErrorCode, State, WebSocketMultiplayerPeer, WebSocketPeer, WebSocketServer } from 'rxpeer';
import { acceptPeer, HOST, listenTcp, pollPeerUntil, pollUntil, rawExchange, upgradeRequest, WsClient } from '../../helpers/server.js';

describe('TCPServer + acceptStream with peer.authorize', () => {
  it('refuses with the status asked for, inside poll(), and the peer ends CLOSED with -1', async () => {
    const tcp = await listenTcp();
    const exchange = rawExchange(tcp.getLocalPort(), upgradeRequest('/secret?token=x', { 'X-Api-Key': 'wrong' }));
    let calledInPoll = false;
    let polling = false;
    const peer = await acceptPeer(tcp, (p) => {
      p.authorize = (request) => {
        calledInPoll = polling;
        return request.headers['x-api-key'] === 'right' || { status: 403, message: 'wrong key' };
      };
    });
    await pollUntil(
      () => {
        polling = true;
        peer.poll();
        polling = false;
      },
      () => peer.getReadyState() === State.CLOSED,
      'the refused peer to close',
    );
    const { response } = await exchange;
    expect(response).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*\r\n\r\nwrong key$/);
    expect(calledInPoll).toBe(true);
    expect(peer.getCloseCode()).toBe(-1);
    expect(peer.getCloseCause()).toBe('handshake refused with HTTP 403 Forbidden: wrong key');
    expect(peer.getUpgradeRequest()).toEqual(
      expect.objectContaining({ url: '/secret?token=x', headers: expect.objectContaining({ 'x-api-key': 'wrong' }) }),
    );
    tcp.stop();
  });

  it('accepts asynchronously, and the request stays readable on the open peer', async () => {
    const tcp = await listenTcp();
    const client = new WsClient(`ws://${HOST}:${tcp.getLocalPort()}/room`, ['chat'], { headers: { 'X-Api-Key': 'right' } });
    const peer = await acceptPeer(tcp, (p) => {
      p.supportedProtocols = ['chat'];
      p.authorize = async (request) => request.headers['x-api-key'] === 'right';
    });
    await pollPeerUntil(peer, State.OPEN);
    await client.opened;
    const request = peer.getUpgradeRequest()!;
    expect(request.url).toBe('/room');
    expect(request.protocols).toEqual(['chat']);
    expect(request.remotePort).toBe(peer.getConnectedPort());
    peer.close(-1);
    await client.closed;
    tcp.stop();
  });

  it('without authorize, the request is still exposed once OPEN (Godot behaviour otherwise unchanged)', async () => {
    const tcp = await listenTcp();
    const client = new WsClient(`ws://${HOST}:${tcp.getLocalPort()}/plain`, [], { headers: { Cookie: 'a=1' } });
    const peer = await acceptPeer(tcp);
    expect(peer.getUpgradeRequest()).toBeNull();
    await pollPeerUntil(peer, State.OPEN);
    await client.opened;
    expect(peer.getUpgradeRequest()!.headers.cookie).toBe('a=1');
    peer.close(-1);
    await client.closed;
    tcp.stop();
  });

  it('a hook that is not a function makes acceptStream return ERR_INVALID_PARAMETER', async () => {
    const tcp = await listenTcp();
    const exchange = rawExchange(tcp.getLocalPort(), upgradeRequest('/'));
    await pollUntil(() => {}, () => tcp.isConnectionAvailable(), 'a connection');
    const stream = tcp.takeConnection()!;
    const peer = new WebSocketPeer();
    peer.authorize = 'yes' as never;
    expect(peer.acceptStream(stream)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    stream.disconnectFromHost();
    await exchange;
    tcp.stop();
  });
});

describe("Godot 3's WebSocketServer with authorize", () => {
  it('refuses with 401 without a signal, accepts others, and exposes their request', async () => {
    const server = new WebSocketServer();
    server.bindIp = HOST;
    server.authorize = (request) => new URL(request.url, 'http://x').searchParams.get('token') === 'ok';
    const connected: number[] = [];
    server.on('client_connected', (id) => connected.push(id));
    expect(server.listen(0)).toBe(ErrorCode.OK);
    expect(await server.ready()).toBe(ErrorCode.OK);
    const port = server.getLocalPort();
    const timer = setInterval(() => server.poll(), 1);
    try {
      const { response } = await rawExchange(port, upgradeRequest('/?token=no'));
      expect(response).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
      const client = new WsClient(`ws://${HOST}:${port}/?token=ok`, [], { headers: { 'X-Name': 'ada' } });
      await client.opened;
      await pollUntil(() => {}, () => connected.length === 1, 'client_connected');
      expect(server.getPeerRequest(connected[0]!)!.headers['x-name']).toBe('ada');
      expect(server.getPeerRequest(12345)).toBeNull();
      client.ws.close();
      await client.closed;
    } finally {
      clearInterval(timer);
      server.stop();
    }
  });
});

describe("Godot 3's WebSocketServer with gdMpApi and authorize", () => {
  it('hands the hook to the multiplayer peer underneath, also when set after listen()', async () => {
    const server = new WebSocketServer();
    server.bindIp = HOST;
    expect(server.listen(0, [], true)).toBe(ErrorCode.OK);
    server.authorize = () => ({ status: 401, message: 'no games today' });
    expect(await server.ready()).toBe(ErrorCode.OK);
    const timer = setInterval(() => server.poll(), 1);
    try {
      const { response } = await rawExchange(server.getLocalPort(), upgradeRequest('/'));
      expect(response).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n[\s\S]*no games today$/);
    } finally {
      clearInterval(timer);
      server.stop();
    }
  });
});

describe('WebSocketMultiplayerPeer with authorize', () => {
  it('refuses with the status asked for; accepted clients get an id', async () => {
    const server = new WebSocketMultiplayerPeer();
    server.authorize = (request) => (request.headers['x-team'] === 'red' ? true : { status: 403, message: 'red team only' });
    const joined: number[] = [];
    server.on('peer_connected', (id) => joined.push(id));
    expect(server.createServer(0, HOST)).toBe(ErrorCode.OK);
    expect(await server.ready()).toBe(ErrorCode.OK);
    const port = server.getLocalPort();
    const timer = setInterval(() => server.poll(), 1);
    try {
      const { response } = await rawExchange(port, upgradeRequest('/', { 'X-Team': 'blue' }));
      expect(response).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*red team only$/);
      const client = new WsClient(`ws://${HOST}:${port}/`, [], { headers: { 'X-Team': 'red' } });
      await client.opened;
      await pollUntil(() => {}, () => joined.length === 1, 'peer_connected');
      expect(server.getPeer(joined[0]!)!.getUpgradeRequest()!.headers['x-team']).toBe('red');
      client.ws.close();
      await client.closed;
    } finally {
      clearInterval(timer);
      server.close();
    }
  });
});
