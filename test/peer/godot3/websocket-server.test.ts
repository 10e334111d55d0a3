// Godot 3's WebSocketServer, alone and with Godot 3's WebSocketClient, as in Godot 3's
// WebSocket tutorial: signals as events, delivered only inside poll(). Real sockets on
// 127.0.0.1, port 0.
import { ErrorCode, TCPServer, WebSocketPeer, WebSocketServer } from 'rxpeer';
import {
  HOST,
  listenTcp,
  makeCertificate,
  pollUntil,
  rawConnect,
  rawExchange,
  removeCertificate,
  upgradeRequest,
  WsClient,
  type Certificate,
} from '../../helpers/server';
import { cleanUpGodot3, decode, encode, newClient, startServer, track } from './support';

afterEach(cleanUpGodot3);

describe('WebSocketServer + WebSocketClient', () => {
  it('connect, exchange, client-initiated close: every signal, in order, inside poll()', async () => {
    const { server, rec: srv, port } = await startServer(['chat', 'other']);
    const { client, rec: cli } = newClient();
    expect(client.connectToUrl(`ws://${HOST}:${port}/path`, ['nope', 'chat'], false, ['X-Hello: 1'])).toBe(ErrorCode.OK);
    const pollBoth = (): void => {
      srv.poll(server);
      cli.poll(client);
    };
    await pollUntil(pollBoth, () => srv.named('client_connected').length === 1 && cli.named('connection_established').length === 1, 'both sides connected');
    const [, id, protocol] = srv.named('client_connected')[0]!;
    expect(protocol).toBe('chat');
    expect(Number.isInteger(id) && id >= 2 && id <= 0x7fffffff).toBe(true);
    expect(cli.events).toEqual([['connection_established', 'chat']]);
    expect(server.hasPeer(id)).toBe(true);
    expect(server.getPeer(id)).toBeInstanceOf(WebSocketPeer);
    expect(server.getPeer(id)!.getRequestedUrl()).toBe(`ws://${HOST}:${port}/path`);
    expect(server.getPeerAddress(id)).toBe(HOST);
    expect(server.getPeerPort(id)).toBeGreaterThan(0);
    expect(client.getPeer(1)).toBeInstanceOf(WebSocketPeer);
    expect(client.getPeer(2)).toBeNull();
    expect(client.getConnectedPort()).toBe(port);

    // As in the tutorial: the client puts a packet, the server echoes it from data_received.
    server.on('data_received', (from) => {
      const packet = server.getPeer(from)!.getPacket();
      server.getPeer(from)!.putPacket(packet);
    });
    const received: string[] = [];
    client.on('data_received', () => received.push(decode(client.getPeer(1)!.getPacket())));
    client.getPeer(1)!.putPacket(encode('Test packet'));
    client.getPeer(1)!.putPacket(encode('Second'));
    await pollUntil(pollBoth, () => received.length === 2, 'two echoes');
    expect(received).toEqual(['Test packet', 'Second']);
    expect(srv.named('data_received')).toEqual([['data_received', id], ['data_received', id]]);
    expect(cli.named('data_received')).toHaveLength(2);

    expect(client.disconnectFromHost(4000, 'bye')).toBe(ErrorCode.OK);
    await pollUntil(pollBoth, () => srv.named('client_disconnected').length === 1 && cli.named('connection_closed').length === 1, 'both sides closed');
    expect(srv.events.slice(-2)).toEqual([
      ['client_close_request', id, 4000, 'bye'],
      ['client_disconnected', id, true],
    ]);
    expect(cli.named('connection_closed')).toEqual([['connection_closed', true]]);
    expect(cli.named('server_close_request')).toEqual([]);
    expect(server.hasPeer(id)).toBe(false);
    expect(server.getPeer(id)).toBeNull();
    expect(srv.outsidePoll).toEqual([]);
    expect(cli.outsidePoll).toEqual([]);
  });

  it('server-initiated close: server_close_request on the client, clean on both sides', async () => {
    const { server, rec: srv, port } = await startServer();
    const { client, rec: cli } = newClient();
    expect(client.connectToUrl(`ws://${HOST}:${port}`)).toBe(ErrorCode.OK);
    const pollBoth = (): void => (srv.poll(server), cli.poll(client));
    await pollUntil(pollBoth, () => srv.named('client_connected').length === 1 && cli.named('connection_established').length === 1, 'connected');
    const id = srv.named('client_connected')[0]![1];
    expect(cli.events).toEqual([['connection_established', '']]);

    expect(server.disconnectPeer(id, 4001, 'kicked')).toBe(ErrorCode.OK);
    await pollUntil(pollBoth, () => srv.named('client_disconnected').length === 1 && cli.named('connection_closed').length === 1, 'closed');
    expect(cli.events.slice(1)).toEqual([
      ['server_close_request', 4001, 'kicked'],
      ['connection_closed', true],
    ]);
    expect(srv.named('client_disconnected')).toEqual([['client_disconnected', id, true]]);
    expect(srv.named('client_close_request')).toEqual([]);
    expect(server.disconnectPeer(id)).toBe(ErrorCode.ERR_DOES_NOT_EXIST);
  });

  it('disconnectPeer(id, -1) drops the client: unclean on both sides', async () => {
    const { server, rec: srv, port } = await startServer();
    const { client, rec: cli } = newClient();
    client.connectToUrl(`ws://${HOST}:${port}`);
    const pollBoth = (): void => (srv.poll(server), cli.poll(client));
    await pollUntil(pollBoth, () => srv.named('client_connected').length === 1 && cli.named('connection_established').length === 1, 'connected');
    const id = srv.named('client_connected')[0]![1];
    server.disconnectPeer(id, -1);
    expect(srv.named('client_disconnected')).toEqual([]); // signals wait for poll()
    await pollUntil(pollBoth, () => srv.named('client_disconnected').length === 1 && cli.named('connection_closed').length === 1, 'closed');
    expect(srv.named('client_disconnected')).toEqual([['client_disconnected', id, false]]);
    expect(cli.named('connection_closed')).toEqual([['connection_closed', false]]);
  });

  it('client_disconnected listeners can still read the peer (Godot 3 removes it afterwards)', async () => {
    const { server, rec: srv, port } = await startServer();
    const seen: [boolean, number][] = [];
    server.on('client_disconnected', (id) => seen.push([server.hasPeer(id), server.getPeer(id)?.getCloseCode() ?? 0]));
    const client = new WsClient(`ws://${HOST}:${port}`);
    await pollUntil(() => srv.poll(server), () => srv.named('client_connected').length === 1 && client.isOpen, 'connected');
    client.ws.close(3333);
    await pollUntil(() => srv.poll(server), () => seen.length === 1, 'disconnected');
    expect(seen).toEqual([[true, 3333]]);
    const id = srv.named('client_connected')[0]![1];
    expect(server.hasPeer(id)).toBe(false);
  });

  it('signals in wire order: data that came before the close frame, then the close request, then the disconnect', async () => {
    const { server, rec: srv, port } = await startServer();
    const client = new WsClient(`ws://${HOST}:${port}`);
    await pollUntil(() => srv.poll(server), () => srv.named('client_connected').length === 1 && client.isOpen, 'connected');
    const id = srv.named('client_connected')[0]![1];
    // ws answers the close frame by itself, so the whole exchange completes while the
    // server is not polled; the next poll() sees the message and the close together.
    client.ws.send('last');
    client.ws.close(4000, 'bye');
    expect(await client.closed).toEqual({ code: 4000, reason: 'bye' });
    srv.poll(server);
    expect(srv.events.slice(1)).toEqual([
      ['data_received', id],
      ['client_close_request', id, 4000, 'bye'],
      ['client_disconnected', id, true],
    ]);
  });

  it('gives distinct ids to several clients and serves a real ws client', async () => {
    const { server, rec: srv, port } = await startServer();
    const a = new WsClient(`ws://${HOST}:${port}`);
    const b = new WsClient(`ws://${HOST}:${port}`);
    await pollUntil(() => srv.poll(server), () => srv.named('client_connected').length === 2 && a.isOpen && b.isOpen, 'two clients');
    const ids = srv.named('client_connected').map((e) => e[1]);
    expect(new Set(ids).size).toBe(2);
    server.on('data_received', (id) => server.getPeer(id)!.sendText(`${id}:${decode(server.getPeer(id)!.getPacket())}`));
    a.ws.send('x');
    const reply = a.next();
    await pollUntil(() => srv.poll(server), () => srv.named('data_received').length === 1, 'data');
    const text = (await reply).data.toString();
    expect(ids.map((id) => `${id}:x`)).toContain(text);
    a.ws.close();
    b.ws.close();
    await pollUntil(() => srv.poll(server), () => srv.named('client_disconnected').length === 2, 'both gone');
  });

  it('off() removes a listener', async () => {
    const { server, port } = await startServer();
    const calls: number[] = [];
    const listener = (id: number): void => {
      calls.push(id);
    };
    server.on('client_connected', listener).off('client_connected', listener);
    let connected = false;
    server.on('client_connected', () => (connected = true));
    const client = new WsClient(`ws://${HOST}:${port}`);
    await pollUntil(() => server.poll(), () => connected, 'connected');
    expect(calls).toEqual([]);
    client.ws.terminate();
  });

  it('a listener that throws surfaces from poll(), and later signals still come', async () => {
    const { server, rec: srv, port } = await startServer();
    let throwOnce = true;
    server.on('client_connected', () => {
      if (throwOnce) {
        throwOnce = false;
        throw new Error('listener bug');
      }
    });
    const client = new WsClient(`ws://${HOST}:${port}`);
    let thrown: unknown;
    const poll = (): void => {
      try {
        srv.poll(server);
      } catch (error) {
        thrown = error;
      }
    };
    await pollUntil(poll, () => client.isOpen, 'the client to open');
    expect(srv.events.map((e) => e[0])).toEqual(['client_connected']);
    expect((thrown as Error).message).toBe('listener bug');
    // The listener threw before this message arrived; its signal is queued behind nothing.
    client.ws.send('after the throw');
    await pollUntil(poll, () => srv.named('data_received').length === 1, 'the data signal');
    expect(srv.events.map((e) => e[0])).toEqual(['client_connected', 'data_received']);
    client.ws.terminate();
  });

  it('setExtraHeaders() adds headers to the handshake response; invalid lines are refused', async () => {
    const { server, port } = await startServer([], (s) => {
      expect(s.setExtraHeaders(['X-Extra: yes'])).toBe(ErrorCode.OK);
    });
    expect(server.setExtraHeaders(['bad\r\nline: x'])).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(server.setExtraHeaders(['no colon'])).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    const client = new WsClient(`ws://${HOST}:${port}`);
    const headers = client.upgradeHeaders;
    await pollUntil(() => server.poll(), () => server.isListening() && client.ws.readyState === 1, 'open');
    expect((await headers)['x-extra']).toBe('yes');
    client.ws.terminate();
  });

  it('stop() drops every client at once without signals; the server can listen again', async () => {
    const { server, rec: srv, port } = await startServer();
    const { client, rec: cli } = newClient();
    client.connectToUrl(`ws://${HOST}:${port}`);
    const pollBoth = (): void => (srv.poll(server), cli.poll(client));
    await pollUntil(pollBoth, () => cli.named('connection_established').length === 1 && srv.named('client_connected').length === 1, 'connected');
    server.stop();
    expect(server.isListening()).toBe(false);
    expect(await server.ready()).toBe(ErrorCode.ERR_UNCONFIGURED);
    await pollUntil(pollBoth, () => cli.named('connection_closed').length === 1, 'the client to notice');
    expect(cli.named('connection_closed')).toEqual([['connection_closed', false]]);
    expect(srv.named('client_disconnected')).toEqual([]);
    expect(server.listen(0)).toBe(ErrorCode.OK);
    expect(await server.ready()).toBe(ErrorCode.OK);
  });
});

describe('WebSocketServer', () => {
  it('#listen: ERR_INVALID_PARAMETER for bad arguments, ERR_ALREADY_IN_USE twice (gdMpApi: multiplayer-bridge.test.ts)', async () => {
    const server = new WebSocketServer();
    track(server);
    server.bindIp = HOST;
    expect(server.listen(-5)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(server.listen(0, ['not a token'])).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    server.bindIp = 'localhost';
    expect(server.listen(0)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    server.bindIp = HOST;
    expect(server.isListening()).toBe(false);
    expect(server.listen(0)).toBe(ErrorCode.OK);
    expect(server.listen(0)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
    expect(await server.ready()).toBe(ErrorCode.OK);
  });

  it('#listen on a port in use: OK, then ready() says ERR_ALREADY_IN_USE; listening is possible again', async () => {
    const taken = await listenTcp(new TCPServer());
    track(taken);
    const server = new WebSocketServer();
    track(server);
    server.bindIp = HOST;
    expect(server.listen(taken.getLocalPort())).toBe(ErrorCode.OK);
    expect(await server.ready()).toBe(ErrorCode.ERR_ALREADY_IN_USE);
    expect(server.isListening()).toBe(false);
    expect(server.getLocalPort()).toBe(0);
    expect(server.listen(0)).toBe(ErrorCode.OK);
    expect(await server.ready()).toBe(ErrorCode.OK);
  });

  it('handshakeTimeout: 3 s by default; values ≤ 0 are ignored', () => {
    const server = new WebSocketServer();
    expect(server.handshakeTimeout).toBe(3);
    expect(server.bindIp).toBe('*');
    server.handshakeTimeout = 0;
    server.handshakeTimeout = -1;
    server.handshakeTimeout = Number.NaN;
    expect(server.handshakeTimeout).toBe(3);
    server.handshakeTimeout = 0.5;
    expect(server.handshakeTimeout).toBe(0.5);
  });

  it('drops a client that does not finish its handshake within handshakeTimeout, silently; others are served', async () => {
    const { server, rec: srv, port } = await startServer([], (s) => {
      s.handshakeTimeout = 0.3;
    });
    const started = Date.now();
    const silent = rawExchange(port, 'GET / HTTP/1.1\r\n'); // half a request, then nothing
    const good = new WsClient(`ws://${HOST}:${port}`);
    await pollUntil(() => server.poll(), () => good.isOpen, 'the good client to open'); // handshakes run in poll()
    let dropped = false;
    void silent.then(() => (dropped = true));
    await pollUntil(() => server.poll(), () => dropped, 'the silent client to be dropped');
    const { response } = await silent;
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(response).toBe('');
    // Only the good client ever connected.
    expect(srv.events.map((e) => e[0])).toEqual(['client_connected']);
    good.ws.send('after the drop');
    const echoed = good.next();
    server.on('data_received', (id) => server.getPeer(id)!.putPacket(server.getPeer(id)!.getPacket()));
    await pollUntil(() => server.poll(), () => srv.named('data_received').length === 1, 'data');
    expect((await echoed).data.toString()).toBe('after the drop');
    good.ws.terminate();
  });

  it('a bad handshake emits nothing and does not disturb the server', async () => {
    const { server, rec: srv, port } = await startServer(['chat']);
    const bad = rawExchange(port, upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'other' }));
    let done = false;
    void bad.then(() => (done = true));
    await pollUntil(() => server.poll(), () => done, 'the refusal');
    expect((await bad).response).toMatch(/^HTTP\/1\.1 400 /);
    const good = new WsClient(`ws://${HOST}:${port}`, ['chat']);
    await pollUntil(() => server.poll(), () => srv.events.length > 0, 'a signal');
    expect(srv.events.map((e) => e.slice(0, 1).concat(e.slice(2)))).toEqual([['client_connected', 'chat']]);
    good.ws.terminate();
  });

  describe('with privateKey and sslCertificate (wss)', () => {
    let certificate: Certificate;
    beforeAll(() => {
      certificate = makeCertificate();
    });
    afterAll(() => removeCertificate(certificate));

    const tls = (s: WebSocketServer): void => {
      s.privateKey = certificate.key;
      s.sslCertificate = Buffer.from(certificate.cert);
    };

    it('refuses half a TLS set-up or unreadable PEM with ERR_INVALID_PARAMETER', () => {
      const server = new WebSocketServer();
      track(server);
      server.bindIp = HOST;
      server.privateKey = certificate.key;
      expect(server.listen(0)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      server.sslCertificate = 'garbage';
      expect(server.listen(0)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(server.isListening()).toBe(false);
    });

    it('a client trusting the certificate connects over wss; verifySsl without it fails; verifySsl=false connects', async () => {
      const { server, rec: srv, port } = await startServer([], tls);
      const url = `wss://${HOST}:${port}/tls`;

      const trusting = newClient();
      trusting.client.trustedSslCertificate = certificate.cert;
      expect(trusting.client.connectToUrl(url)).toBe(ErrorCode.OK);
      const strict = newClient(); // verifySsl (the default) with the system CAs: self-signed is refused
      expect(strict.client.verifySsl).toBe(true);
      expect(strict.client.connectToUrl(url)).toBe(ErrorCode.OK);
      const lax = newClient();
      lax.client.verifySsl = false;
      expect(lax.client.connectToUrl(url)).toBe(ErrorCode.OK);

      const pollAll = (): void => {
        srv.poll(server);
        for (const c of [trusting, strict, lax]) c.rec.poll(c.client);
      };
      await pollUntil(
        pollAll,
        () =>
          trusting.rec.events.length > 0 && strict.rec.events.length > 0 && lax.rec.events.length > 0 && srv.named('client_connected').length === 2,
        'every client to succeed or fail',
      );
      expect(trusting.rec.events).toEqual([['connection_established', '']]);
      expect(strict.rec.events).toEqual([['connection_error']]);
      expect(lax.rec.events).toEqual([['connection_established', '']]);
      const id = srv.named('client_connected')[0]![1];
      expect(server.getPeer(id)!.getRequestedUrl()).toBe(url);
    });
  });
});

it('the raw-socket helpers can tell an open connection from a closed one', async () => {
  const { server, port } = await startServer();
  const socket = await rawConnect(port);
  server.poll();
  expect(socket.destroyed).toBe(false);
  socket.destroy();
});
