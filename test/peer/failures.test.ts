// Network failures end CLOSED with close code -1 at a later poll(), never as an exception.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { ErrorCode, State } from '../../src/peer/constants.js';
import type { WebSocketPeer } from '../../src/peer/websocket-peer.js';
import { cleanUp, newPeer, onCleanUp } from '../helpers/cleanup.js';
import { pollUntilState, watch } from '../helpers/poll.js';
import { startServer } from '../helpers/ws-server.js';

afterEach(cleanUp);

/** Connects and expects CONNECTING → CLOSED with -1, the CLOSED visible only in a later poll(). */
async function expectConnectFailure(peer: WebSocketPeer, url: string): Promise<void> {
  const watched = watch(peer);
  expect(peer.connectToUrl(url)).toBe(ErrorCode.OK);
  expect(peer.getReadyState()).toBe(State.CONNECTING);
  await pollUntilState(peer, State.CLOSED);
  expect(watched.states).toEqual([State.CONNECTING, State.CLOSED]);
  expect(peer.getCloseCode()).toBe(-1);
  expect(peer.getCloseReason()).toBe('');
  expect(peer.getAvailablePacketCount()).toBe(0);
  expect(peer.getSelectedProtocol()).toBe('');
}

function listen(server: HttpServer | import('node:net').Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Closes a raw server after the test, destroying the sockets it accepted. */
function closeAfterTest(server: HttpServer | import('node:net').Server, sockets: Set<Socket>): void {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  onCleanUp(async () => {
    for (const socket of sockets) socket.destroy();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });
}

describe('connection failures', () => {
  it('a refused port', async () => {
    const probe = createNetServer();
    const port = await listen(probe);
    await new Promise((resolve) => probe.close(resolve)); // the port is free again: nobody listens
    await expectConnectFailure(newPeer(), `ws://127.0.0.1:${port}/`);
  });

  it('the server terminating the socket after the handshake', async () => {
    const server = await startServer({ onConnection: (conn) => conn.ws.terminate() });
    const peer = newPeer();
    const watched = watch(peer);
    peer.connectToUrl(server.url());
    await pollUntilState(peer, State.CLOSED);
    // The open may or may not have been seen first; the drop is never clean.
    expect(watched.states[0]).toBe(State.CONNECTING);
    expect(watched.states.at(-1)).toBe(State.CLOSED);
    expect(watched.states).not.toContain(State.CLOSING);
    expect(peer.getCloseCode()).toBe(-1);
  });

  it('the server destroying the socket during the handshake', async () => {
    const http = createHttpServer();
    const sockets = new Set<Socket>();
    closeAfterTest(http, sockets);
    let upgrades = 0;
    http.on('upgrade', (_request, socket: Socket) => {
      upgrades++;
      socket.destroy();
    });
    const port = await listen(http);
    await expectConnectFailure(newPeer(), `ws://127.0.0.1:${port}/`);
    expect(upgrades).toBe(1);
  });

  it('a non-101 HTTP response (400)', async () => {
    const http = createHttpServer();
    const sockets = new Set<Socket>();
    closeAfterTest(http, sockets);
    let answered = 0;
    http.on('upgrade', (_request, socket: Socket) => {
      answered++;
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    const port = await listen(http);
    await expectConnectFailure(newPeer(), `ws://127.0.0.1:${port}/`);
    expect(answered).toBe(1);
  });

  it('a redirect is not followed', async () => {
    const target = await startServer();
    const http = createHttpServer();
    const sockets = new Set<Socket>();
    closeAfterTest(http, sockets);
    http.on('upgrade', (_request, socket: Socket) => {
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${target.url()}\r\nContent-Length: 0\r\n\r\n`);
    });
    const port = await listen(http);
    await expectConnectFailure(newPeer(), `ws://127.0.0.1:${port}/`);
    expect(target.connections).toHaveLength(0);
  });

  it('a server that is not HTTP at all', async () => {
    const raw = createNetServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const sockets = new Set<Socket>();
    closeAfterTest(raw, sockets);
    const port = await listen(raw);
    await expectConnectFailure(newPeer(), `ws://127.0.0.1:${port}/`);
  });

  describe('subprotocol mismatch', () => {
    it('the client offers some, the server picks none', async () => {
      let offered: string[] = [];
      const server = await startServer({
        ws: {
          handleProtocols: (protocols) => {
            offered = [...protocols];
            return false;
          },
        },
      });
      const peer = newPeer();
      peer.supportedProtocols = ['a'];
      await expectConnectFailure(peer, server.url());
      expect(offered).toEqual(['a']);
    });

    it('the client offers none, the server picks one', async () => {
      const server = await startServer({
        onHeaders: (headers) => headers.push('Sec-WebSocket-Protocol: sneaky'),
      });
      await expectConnectFailure(newPeer(), server.url());
      expect((await server.connection()).request.headers['sec-websocket-protocol']).toBeUndefined();
    });

    it('the server picks one the client did not offer', async () => {
      const server = await startServer({
        onHeaders: (headers) => headers.push('Sec-WebSocket-Protocol: other'),
      });
      const peer = newPeer();
      peer.supportedProtocols = ['a', 'b'];
      await expectConnectFailure(peer, server.url());
    });
  });

  it('DNS failure (dns.lookup stubbed to ENOTFOUND: no network traffic)', async () => {
    // The module object itself, which Node's net reads dns.lookup from at connect time.
    const dns = require('node:dns') as typeof import('node:dns');
    const lookup = jest.spyOn(dns, 'lookup').mockImplementation(((hostname: string, ...rest: unknown[]) => {
      const callback = rest.at(-1) as (error: NodeJS.ErrnoException) => void;
      const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
        errno: -3008,
        syscall: 'getaddrinfo',
        hostname,
      });
      process.nextTick(callback, error);
    }) as unknown as typeof dns.lookup);
    try {
      await expectConnectFailure(newPeer(), 'ws://rxpeer-does-not-exist.invalid:8080/');
      // Node's net really resolved the name through the stub, not the network.
      expect(lookup).toHaveBeenCalled();
      expect(lookup.mock.calls[0]![0]).toBe('rxpeer-does-not-exist.invalid');
    } finally {
      lookup.mockRestore();
    }
  });

  it('a failure is recorded in the background and shown by the next poll(), never thrown', async () => {
    const probe = createNetServer();
    const port = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
    const peer = newPeer();
    peer.connectToUrl(`ws://127.0.0.1:${port}/`);
    // Let the failure happen in the background: it is recorded, not thrown.
    const watched = watch(peer);
    await watched.nextWake('the recorded failure');
    expect(peer.getReadyState()).toBe(State.CONNECTING);
    peer.poll();
    expect(peer.getReadyState()).toBe(State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
  });
});
