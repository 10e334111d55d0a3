// Godot 3's WebSocketClient / WebSocketServer, as in Godot 3's WebSocket tutorial: signals as
// events, delivered only inside poll(). Real sockets on 127.0.0.1, port 0.
import { WebSocketServer as WsServer } from 'ws';
import {
  ErrorCode,
  State,
  TCPServer,
  WebSocketClient,
  WebSocketPeer,
  WebSocketServer,
  type WebSocketClientSignals,
  type WebSocketServerSignals,
} from 'rxpeer';
import {
  HOST,
  listenTcp,
  makeCertificate,
  pollUntil,
  rawConnect,
  rawExchange,
  removeCertificate,
  upgradeRequest,
  within,
  WsClient,
  type Certificate,
} from '../../helpers/server';

type Recorded<T> = { [K in keyof T]: [K, ...(T[K] extends unknown[] ? T[K] : never)] }[keyof T];

/** Records every signal, and checks that each one is delivered inside poll(). */
class Recorder<T> {
  readonly events: Recorded<T>[] = [];
  inPoll = false;
  outsidePoll: string[] = [];

  listen(target: { on(name: never, listener: never): unknown }, names: (keyof T)[]): this {
    for (const name of names) {
      target.on(name as never, ((...args: unknown[]) => {
        if (!this.inPoll) this.outsidePoll.push(String(name));
        this.events.push([name, ...args] as unknown as Recorded<T>);
      }) as never);
    }
    return this;
  }

  poll(target: { poll(): void }): void {
    this.inPoll = true;
    try {
      target.poll();
    } finally {
      this.inPoll = false;
    }
  }

  named(name: keyof T): Recorded<T>[] {
    return this.events.filter((e) => e[0] === name);
  }
}

const SERVER_SIGNALS: (keyof WebSocketServerSignals)[] = ['client_connected', 'client_disconnected', 'client_close_request', 'data_received'];
const CLIENT_SIGNALS: (keyof WebSocketClientSignals)[] = [
  'connection_established',
  'connection_error',
  'connection_closed',
  'server_close_request',
  'data_received',
];

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

let servers: WebSocketServer[] = [];
let clients: WebSocketClient[] = [];
let extras: { stop(): void }[] = [];
afterEach(() => {
  clients.forEach((c) => c.disconnectFromHost(-1));
  servers.forEach((s) => s.stop());
  extras.forEach((e) => e.stop());
  servers = [];
  clients = [];
  extras = [];
});

async function startServer(protocols: string[] = [], configure: (s: WebSocketServer) => void = () => {}): Promise<{ server: WebSocketServer; rec: Recorder<WebSocketServerSignals>; port: number }> {
  const server = new WebSocketServer();
  servers.push(server);
  server.bindIp = HOST;
  configure(server);
  const rec = new Recorder<WebSocketServerSignals>().listen(server, SERVER_SIGNALS);
  expect(server.listen(0, protocols)).toBe(ErrorCode.OK);
  expect(await server.ready()).toBe(ErrorCode.OK);
  expect(server.isListening()).toBe(true);
  return { server, rec, port: server.getLocalPort() };
}

function newClient(): { client: WebSocketClient; rec: Recorder<WebSocketClientSignals> } {
  const client = new WebSocketClient();
  clients.push(client);
  return { client, rec: new Recorder<WebSocketClientSignals>().listen(client, CLIENT_SIGNALS) };
}

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
    servers.push(server);
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
    extras.push(taken);
    const server = new WebSocketServer();
    servers.push(server);
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
      servers.push(server);
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

describe('WebSocketClient', () => {
  it('#connectToUrl: ERR_INVALID_PARAMETER for bad URLs, ERR_ALREADY_IN_USE when busy (gdMpApi: multiplayer-bridge.test.ts)', async () => {
    const { client } = newClient();
    expect(client.connectToUrl('http://127.0.0.1/')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(client.connectToUrl('')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(client.connectToUrl('ws://127.0.0.1:1', ['bad token'])).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(client.connectToUrl('ws://127.0.0.1:1', [], false, ['Bad\nHeader: x'])).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(client.getPeer(1)!.getReadyState()).toBe(State.CLOSED);
    const { port } = await startServer();
    expect(client.connectToUrl(`ws://${HOST}:${port}`)).toBe(ErrorCode.OK);
    expect(client.connectToUrl(`ws://${HOST}:${port}`)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
  });

  it('connection_error (and nothing else) when the handshake fails', async () => {
    const { server, rec: srv, port } = await startServer(['chat']);
    const { client, rec: cli } = newClient();
    expect(client.connectToUrl(`ws://${HOST}:${port}`, ['other'])).toBe(ErrorCode.OK);
    await pollUntil(() => (srv.poll(server), cli.poll(client)), () => cli.events.length > 0, 'a client signal');
    expect(cli.events).toEqual([['connection_error']]);
    expect(srv.events).toEqual([]);
  });

  it('disconnectFromHost() while connecting emits nothing (as Godot 3), and the client can connect again', async () => {
    const { server, rec: srv, port } = await startServer();
    const { client, rec: cli } = newClient();
    expect(client.connectToUrl(`ws://${HOST}:${port}`)).toBe(ErrorCode.OK);
    expect(client.disconnectFromHost()).toBe(ErrorCode.OK);
    expect(client.getPeer(1)!.getReadyState()).toBe(State.CLOSED);
    cli.poll(client);
    expect(cli.events).toEqual([]);
    expect(client.connectToUrl(`ws://${HOST}:${port}`)).toBe(ErrorCode.OK);
    await pollUntil(() => (srv.poll(server), cli.poll(client)), () => cli.events.length > 0, 'the second attempt');
    expect(cli.events).toEqual([['connection_established', '']]);
  });

  it('signals in wire order: data before the close frame, then server_close_request, then connection_closed', async () => {
    const remote = new WsServer({ host: HOST, port: 0 });
    await new Promise((listening) => remote.once('listening', listening));
    const connected = new Promise<import('ws').WebSocket>((done) => remote.once('connection', done));
    try {
      const { client, rec: cli } = newClient();
      client.connectToUrl(`ws://${HOST}:${(remote.address() as { port: number }).port}`);
      await pollUntil(() => cli.poll(client), () => cli.events.length > 0, 'established');
      expect(cli.events).toEqual([['connection_established', '']]);
      const socket = await within(connected, 'the remote to see the connection');
      const remoteClosed = new Promise<void>((done) => socket.once('close', () => done()));
      socket.send('first');
      socket.send('second');
      socket.close(4002, 'server done');
      await within(remoteClosed, 'the remote to finish closing'); // the client's ws answered on its own
      cli.poll(client);
      expect(cli.events.slice(1)).toEqual([
        ['data_received'],
        ['data_received'],
        ['server_close_request', 4002, 'server done'],
        ['connection_closed', true],
      ]);
    } finally {
      await new Promise((closed) => remote.close(closed));
    }
  });

  it('talks to a plain TCPServer + WebSocketPeer server (Godot 4 side)', async () => {
    const tcp = await listenTcp();
    extras.push(tcp);
    const { client, rec: cli } = newClient();
    client.connectToUrl(`ws://${HOST}:${tcp.getLocalPort()}`, ['p']);
    await pollUntil(() => cli.poll(client), () => tcp.isConnectionAvailable(), 'a connection');
    const peer = new WebSocketPeer();
    peer.supportedProtocols = ['p'];
    peer.acceptStream(tcp.takeConnection()!);
    await pollUntil(() => (peer.poll(), cli.poll(client)), () => cli.events.length > 0, 'established');
    expect(cli.events).toEqual([['connection_established', 'p']]);
    peer.sendText('hi');
    await pollUntil(() => (peer.poll(), cli.poll(client)), () => cli.named('data_received').length === 1, 'data');
    const packet = client.getPeer(1)!.getPacket();
    expect([decode(packet), client.getPeer(1)!.wasStringPacket()]).toEqual(['hi', true]);
    peer.close(1000, 'bye');
    await pollUntil(() => (peer.poll(), cli.poll(client)), () => cli.named('connection_closed').length === 1, 'closed');
    expect(cli.events.slice(2)).toEqual([
      ['server_close_request', 1000, 'bye'],
      ['connection_closed', true],
    ]);
  });
});

it('the raw-socket helpers can tell an open connection from a closed one', async () => {
  const { server, port } = await startServer();
  const socket = await rawConnect(port);
  server.poll();
  expect(socket.destroyed).toBe(false);
  socket.destroy();
});
