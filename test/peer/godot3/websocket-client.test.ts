// Godot 3's WebSocketClient against other servers (ws, a TCPServer + WebSocketPeer):
// refused arguments, failed handshakes, signals in wire order, delivered only inside poll().
import { WebSocketServer as WsServer } from 'ws';
import { ErrorCode, State, WebSocketPeer } from 'rxpeer';
import { HOST, listenTcp, pollUntil, within } from '../../helpers/server';
import { cleanUpGodot3, decode, newClient, startServer, track } from './support';

afterEach(cleanUpGodot3);

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
    track(tcp);
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
