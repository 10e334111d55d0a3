import type { Socket } from 'node:net';
import { ErrorCode, StreamPeerTCP, TCPServer } from 'rxpeer';
import { bindErrorCode } from '../../../src/peer/node/tcp-server';
import { closeOf, HOST, listenTcp, pollUntil, rawConnect, within } from '../../helpers/server';

describe('TCPServer', () => {
  const servers: TCPServer[] = [];
  const sockets: Socket[] = [];
  const track = (server: TCPServer): TCPServer => (servers.push(server), server);
  afterEach(() => {
    servers.splice(0).forEach((s) => s.stop());
    sockets.splice(0).forEach((s) => s.destroy());
  });

  async function take(server: TCPServer): Promise<StreamPeerTCP> {
    await pollUntil(() => {}, () => server.isConnectionAvailable(), 'a queued connection');
    return server.takeConnection()!;
  }

  describe('#listen', () => {
    it.each([
      [-1, HOST],
      [65536, HOST],
      [1.5, HOST],
      [Number.NaN, HOST],
      [0, 'localhost'],
      [0, 'not an address'],
      [0, ''],
      [0, 42 as unknown as string],
    ])('refuses port %p at %p with ERR_INVALID_PARAMETER and binds nothing', async (port, address) => {
      const server = track(new TCPServer());
      expect(server.listen(port, address)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
      expect(server.isListening()).toBe(false);
      expect(await server.ready()).toBe(ErrorCode.ERR_UNCONFIGURED);
    });

    it('binds asynchronously: OK at once, listening with a real port once ready() is OK', async () => {
      const server = track(new TCPServer());
      expect(await server.ready()).toBe(ErrorCode.ERR_UNCONFIGURED);
      expect(server.listen(0, HOST)).toBe(ErrorCode.OK);
      expect(await server.ready()).toBe(ErrorCode.OK);
      expect(server.isListening()).toBe(true);
      expect(server.getLocalPort()).toBeGreaterThan(0);
      expect(server.isConnectionAvailable()).toBe(false);
      expect(server.takeConnection()).toBeNull();
    });

    it('refuses a second listen with ERR_ALREADY_IN_USE, while binding and once bound', async () => {
      const server = track(new TCPServer());
      expect(server.listen(0, HOST)).toBe(ErrorCode.OK);
      expect(server.listen(0, HOST)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      expect(await server.ready()).toBe(ErrorCode.OK);
      expect(server.listen(0, HOST)).toBe(ErrorCode.ERR_ALREADY_IN_USE);
    });

    it('reports a port in use through ready() as ERR_ALREADY_IN_USE, and can listen again', async () => {
      const first = track(await listenTcp());
      const second = track(new TCPServer());
      expect(second.listen(first.getLocalPort(), HOST)).toBe(ErrorCode.OK);
      expect(await second.ready()).toBe(ErrorCode.ERR_ALREADY_IN_USE);
      expect(second.isListening()).toBe(false);
      expect(second.getLocalPort()).toBe(0);
      expect(second.listen(0, HOST)).toBe(ErrorCode.OK);
      expect(await second.ready()).toBe(ErrorCode.OK);
    });
  });

  describe('bindErrorCode', () => {
    it.each([
      ['EADDRINUSE', ErrorCode.ERR_ALREADY_IN_USE],
      ['EACCES', ErrorCode.ERR_UNAUTHORIZED],
      ['EPERM', ErrorCode.ERR_UNAUTHORIZED],
      ['EADDRNOTAVAIL', ErrorCode.ERR_UNAVAILABLE],
      ['EMFILE', ErrorCode.FAILED],
    ])('maps %s to %p', (code, expected) => {
      expect(bindErrorCode(Object.assign(new Error(code), { code }))).toBe(expected);
    });
  });

  describe('#takeConnection', () => {
    it('queues accepted connections until taken, each once, in arrival order', async () => {
      const server = track(await listenTcp());
      const a = await rawConnect(server.getLocalPort());
      sockets.push(a);
      const first = await take(server);
      const b = await rawConnect(server.getLocalPort());
      sockets.push(b);
      const second = await take(server);
      expect(first).toBeInstanceOf(StreamPeerTCP);
      expect(first.getConnectedHost()).toBe(HOST);
      expect(first.getConnectedPort()).toBe(a.localPort);
      expect(second.getConnectedPort()).toBe(b.localPort);
      expect(first.getLocalPort()).toBe(server.getLocalPort());
      expect(server.isConnectionAvailable()).toBe(false);
      expect(server.takeConnection()).toBeNull();
      first.setNoDelay(false);
      first.setNoDelay(true);
    });
  });

  describe('#stop', () => {
    it('stops listening, drops queued connections, keeps taken ones, and can listen again', async () => {
      const server = track(await listenTcp());
      const port = server.getLocalPort();
      const taken = await rawConnect(port);
      sockets.push(taken);
      const stream = await take(server);
      const queued = await rawConnect(port);
      sockets.push(queued);
      await pollUntil(() => {}, () => server.isConnectionAvailable(), 'a second queued connection');

      server.stop();
      expect(server.isListening()).toBe(false);
      expect(server.getLocalPort()).toBe(0);
      expect(server.isConnectionAvailable()).toBe(false);
      expect(await server.ready()).toBe(ErrorCode.ERR_UNCONFIGURED);
      await within(closeOf(queued), 'the queued connection to be dropped');
      const refused = await within(
        new Promise<string>((resolve) => rawConnect(port).then(() => resolve('connected'), (e: NodeJS.ErrnoException) => resolve(e.code ?? ''))),
        'a connection attempt after stop()',
      );
      expect(refused).toBe('ECONNREFUSED');

      // The taken connection is still alive: the server side can close it and the client sees that.
      expect(taken.destroyed).toBe(false);
      stream.disconnectFromHost();
      await within(closeOf(taken), 'the taken connection to close');

      expect(server.listen(0, HOST)).toBe(ErrorCode.OK);
      expect(await server.ready()).toBe(ErrorCode.OK);
    });

    it('before the bind completes: ready() resolves ERR_UNCONFIGURED and nothing stays bound', async () => {
      const server = track(new TCPServer());
      expect(server.listen(0, HOST)).toBe(ErrorCode.OK);
      const ready = server.ready();
      server.stop();
      expect(await ready).toBe(ErrorCode.ERR_UNCONFIGURED);
      expect(server.isListening()).toBe(false);
      // --detectOpenHandles would report the listening socket if it had been left bound.
    });

    it('is harmless without a listen()', () => {
      const server = new TCPServer();
      server.stop();
      expect(server.isListening()).toBe(false);
    });
  });
});
