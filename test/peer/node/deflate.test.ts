// permessage-deflate with `ws` on the other end, both ways: off on rxpeer's servers unless
// asked for, offered by rxpeer's clients unless turned off; inflated sizes count against
// inboundBufferSize.
import { firstValueFrom, mergeMap, type Subscription, tap } from 'rxjs';
import { connect, ErrorCode, listen, type ListenOptions, type ObservablePeer, State } from 'rxpeer';
import { cleanUp, newPeer } from '../../helpers/cleanup.js';
import { pollUntil } from '../../helpers/poll.js';
import { startServer } from '../../helpers/ws-server.js';
import { acceptPeer, HOST, listenTcp, pollPeerUntil, within, WsClient } from '../../helpers/server.js';

const subscriptions: Subscription[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  await cleanUp();
});

const chat = (n: number): string =>
  Array.from({ length: n }, (_, i) => `{"type":"message","room":"general","user":"user${i % 7}","text":"hello everyone, message ${i}"}`).join('\n');

async function echoServer(options: ListenOptions = {}) {
  const clients: ObservablePeer[] = [];
  let bound!: (port: number) => void;
  const port = new Promise<number>((resolve) => (bound = resolve));
  subscriptions.push(
    listen(0, { bindAddress: HOST, ...options, onListening: bound })
      .pipe(
        tap((client) => clients.push(client)),
        mergeMap((client) => client.packets$.pipe(tap((p) => client.send(p.text ?? p.data)))),
      )
      .subscribe(),
  );
  return { port: await within(port, 'the server to listen'), clients };
}

/** Bytes the client's socket wrote and read so far. */
const traffic = (client: WsClient): { written: number; read: number } => {
  const socket = (client.ws as unknown as { _socket: { bytesWritten: number; bytesRead: number } })._socket;
  return { written: socket.bytesWritten, read: socket.bytesRead };
};

describe('listen() and a ws client', () => {
  it('declines the offered extension by default', async () => {
    const { port } = await echoServer();
    const client = new WsClient(`ws://${HOST}:${port}/`);
    await client.opened;
    expect(client.ws.extensions).toBe('');
    expect((await client.upgradeHeaders)['sec-websocket-extensions']).toBeUndefined();
    client.ws.close();
  });

  it('with perMessageDeflate: true, negotiates it and chat text crosses compressed both ways', async () => {
    const { port } = await echoServer({ perMessageDeflate: true });
    const client = new WsClient(`ws://${HOST}:${port}/`);
    await client.opened;
    expect(client.ws.extensions).toMatch(/^permessage-deflate/);
    const before = traffic(client);
    const message = chat(100); // about 9 KB of JSON lines
    client.ws.send(message);
    expect(String((await client.next()).data)).toBe(message);
    const after = traffic(client);
    expect(after.written - before.written).toBeLessThan(message.length / 4);
    expect(after.read - before.read).toBeLessThan(message.length / 4);
    client.ws.close();
  });

  it('with { threshold }, messages below it go uncompressed', async () => {
    const { port } = await echoServer({ perMessageDeflate: { threshold: 100_000 } });
    const client = new WsClient(`ws://${HOST}:${port}/`);
    await client.opened;
    const before = traffic(client);
    const message = chat(100);
    client.ws.send(message);
    expect(String((await client.next()).data)).toBe(message);
    expect(traffic(client).read - before.read).toBeGreaterThan(message.length); // the echo came back as is
    client.ws.close();
  });

  it('a compression bomb (1 MB of zeros, about 1 KiB on the wire) gets 1009, and the server goes on', async () => {
    const { port, clients } = await echoServer({ perMessageDeflate: true });
    const bomb = new WsClient(`ws://${HOST}:${port}/`);
    await bomb.opened;
    bomb.ws.send(Buffer.alloc(1_000_000));
    expect(await bomb.closed).toEqual({ code: 1009, reason: 'Message too big' });
    const next = new WsClient(`ws://${HOST}:${port}/`);
    await next.opened;
    next.ws.send('still serving');
    expect(String((await next.next()).data)).toBe('still serving');
    expect(clients[0]!.peer.getCloseCode()).toBe(1009);
    next.ws.close();
  });
});

describe('TCPServer + acceptStream: the peer property', () => {
  it('perMessageDeflate = true on the accepted peer negotiates it', async () => {
    const tcp = await listenTcp();
    const client = new WsClient(`ws://${HOST}:${tcp.getLocalPort()}/`);
    const peer = await acceptPeer(tcp, (p) => (p.perMessageDeflate = true));
    await pollPeerUntil(peer, State.OPEN);
    await client.opened;
    expect(client.ws.extensions).toMatch(/^permessage-deflate/);
    client.ws.send(chat(10));
    await pollUntil(peer, (p) => p.getAvailablePacketCount() > 0, { what: 'the message' });
    expect(new TextDecoder().decode(peer.getPacket())).toBe(chat(10));
    peer.close(-1);
    tcp.stop();
  });

  it('an invalid setting makes acceptStream refuse with ERR_INVALID_PARAMETER', async () => {
    const tcp = await listenTcp();
    const client = new WsClient(`ws://${HOST}:${tcp.getLocalPort()}/`);
    await within((async () => {
      while (!tcp.isConnectionAvailable()) await new Promise((resolve) => setImmediate(resolve));
    })(), 'a connection');
    const peer = newPeer();
    peer.perMessageDeflate = { threshold: -5 };
    const stream = tcp.takeConnection()!;
    expect(peer.acceptStream(stream)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    stream.disconnectFromHost();
    await client.closed;
    tcp.stop();
  });
});

describe('rxpeer clients and a ws server with permessage-deflate', () => {
  it('connect() offers it by default and it is negotiated', async () => {
    const server = await startServer({ ws: { perMessageDeflate: true } });
    subscriptions.push(connect(server.url()).subscribe({ error: () => {} }));
    const connection = await server.connection();
    expect(connection.request.headers['sec-websocket-extensions']).toMatch(/permessage-deflate/);
    expect(connection.ws.extensions).toMatch(/^permessage-deflate/);
  });

  it('connect(url, { perMessageDeflate: false }) does not offer it; messages still cross', async () => {
    const server = await startServer({ ws: { perMessageDeflate: true }, onConnection: (c) => c.ws.on('message', (d, isBinary) => c.ws.send(d, { binary: isBinary })) });
    const socket = connect(server.url(), { perMessageDeflate: false });
    const echoed = firstValueFrom(
      socket.pipe(
        mergeMap((s) =>
          s.state$.pipe(
            tap((state) => state === State.OPEN && s.send(chat(5))),
            mergeMap(() => s.packets$),
          ),
        ),
      ),
    );
    const connection = await server.connection();
    expect(connection.request.headers['sec-websocket-extensions']).toBeUndefined();
    expect(connection.ws.extensions).toBe('');
    expect((await within(echoed, 'the echo')).text).toBe(chat(5));
  });

  it('WebSocketPeer.perMessageDeflate = false does the same at the peer level', async () => {
    const server = await startServer({ ws: { perMessageDeflate: true } });
    const peer = newPeer();
    peer.perMessageDeflate = false;
    expect(peer.connectToUrl(server.url())).toBe(ErrorCode.OK);
    await pollUntil(peer, (p) => p.getReadyState() === State.OPEN, { what: 'OPEN' });
    const connection = await server.connection();
    expect(connection.request.headers['sec-websocket-extensions']).toBeUndefined();
  });
});
