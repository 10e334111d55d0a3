// What only real sockets show: fromMultiplayerPeer driven on demand by asapScheduler, a
// client process killed with SIGKILL, a flood of half-open connections, wss, a port in use,
// and the browser build (no server). 127.0.0.1, port 0; every wait bounded.
import { spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { filter, firstValueFrom, from, map, type Observable, take, timeout, toArray } from 'rxjs';
import {
  ConnectionStatus,
  ErrorCode,
  fromMultiplayerPeer,
  TCPServer,
  TLSOptions,
  WebSocketMultiplayerPeer,
  type ObservableMultiplayerPeer,
} from 'rxpeer';
import { generateCertificates, type TestCertificates } from '../../helpers/certs';
import { HOST, join, SocketWorld } from '../../helpers/multiplayer';

const ROOT = resolve(__dirname, '../../..');
const WAIT_MS = 5000;
const decoder = new TextDecoder();

let world: SocketWorld;
const cleanups: (() => unknown)[] = [];
beforeEach(() => {
  world = new SocketWorld();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  await world.cleanUp();
});

/** The first value of `source` matching `predicate`, or a failure naming `what` after WAIT_MS. */
function next<T>(source: Observable<T>, what: string, predicate: (value: T) => boolean = () => true): Promise<T> {
  return firstValueFrom(
    source.pipe(
      filter(predicate),
      take(1),
      timeout({ first: WAIT_MS, with: () => Promise.reject(new Error(`timed out waiting for ${what}`)) }),
    ),
  );
}

describe('fromMultiplayerPeer over real sockets (on demand, asapScheduler)', () => {
  it('one server and three clients: joins, targeted, broadcast, exclude-one and relayed packets', async () => {
    const serverPeer = new WebSocketMultiplayerPeer();
    expect(serverPeer.createServer(0, HOST)).toBe(ErrorCode.OK);
    expect(await serverPeer.ready()).toBe(ErrorCode.OK);
    const server = fromMultiplayerPeer(serverPeer);
    const url = `ws://${HOST}:${serverPeer.getLocalPort()}/`;
    const serverPackets: string[] = [];
    const held = server.packets$.subscribe((p) => serverPackets.push(`${p.from}>${decoder.decode(p.data)}`));
    cleanups.push(() => {
      held.unsubscribe();
      serverPeer.close();
    });

    const clients: ObservableMultiplayerPeer[] = [];
    const received = new Map<ObservableMultiplayerPeer, string[]>(); // a second subscriber, reading all along
    for (let i = 0; i < 3; i++) {
      const peer = new WebSocketMultiplayerPeer();
      expect(peer.createClient(url)).toBe(ErrorCode.OK);
      const socket = fromMultiplayerPeer(peer);
      const log: string[] = [];
      received.set(socket, log);
      const subscription = socket.packets$.subscribe((p) => log.push(`${p.from}>${decoder.decode(p.data)}`));
      cleanups.push(() => {
        subscription.unsubscribe();
        peer.close();
      });
      await next(socket.status$, `client ${i} to connect`, (s) => s === ConnectionStatus.CONNECTED);
      clients.push(socket);
    }
    const [a, b, c] = clients as [ObservableMultiplayerPeer, ObservableMultiplayerPeer, ObservableMultiplayerPeer];
    const [ia, ib, ic] = clients.map((s) => s.peer.getUniqueId()) as [number, number, number];
    await next(a.peers$, 'a to know everyone', (ids) => ids.length === 3);
    expect(await next(server.peers$, 'the server list')).toEqual([ia, ib, ic]);

    const collect = (stream: ObservableMultiplayerPeer, count: number, who: string): Promise<string[]> =>
      firstValueFrom(
        stream.packets$.pipe(
          map((p) => `${p.from}>${decoder.decode(p.data)}`),
          take(count),
          toArray(),
          timeout({ first: WAIT_MS, with: () => Promise.reject(new Error(`timed out waiting for ${who}'s packets`)) }),
        ),
      );
    const arriving = Promise.all([collect(server, 1, 'the server'), collect(a, 2, 'a'), collect(b, 2, 'b'), collect(c, 2, 'c')]);
    expect(server.send('to-b', ib)).toBe(ErrorCode.OK);
    expect(server.send('not-b', -ib)).toBe(ErrorCode.OK);
    expect(a.send('a-all')).toBe(ErrorCode.OK);
    expect(c.send('c-a', ia)).toBe(ErrorCode.OK);
    const [toServer, toA, toB, toC] = await arriving;
    expect(toServer).toEqual([`${ia}>a-all`]);
    expect(toA).toEqual(['1>not-b', `${ic}>c-a`]);
    expect(toB).toEqual(['1>to-b', `${ia}>a-all`]);
    expect(toC).toEqual(['1>not-b', `${ia}>a-all`]);
    expect(serverPackets).toEqual(toServer);
    expect(received.get(b)).toEqual(toB);

    // b leaves: everyone hears it, b completes with close$ 'closed'.
    const leaves = Promise.all([a, c, server].map((s) => next(s.peerDisconnected$, 'b to leave')));
    const bClosed = next(b.close$, 'b to close');
    b.close();
    expect(await bClosed).toBe('closed');
    expect(await leaves).toEqual([ib, ib, ib]);
  });

  it('a client process killed with SIGKILL mid-game is removed and the others are told', async () => {
    const serverPeer = new WebSocketMultiplayerPeer();
    expect(serverPeer.createServer(0, HOST)).toBe(ErrorCode.OK);
    expect(await serverPeer.ready()).toBe(ErrorCode.OK);
    const server = fromMultiplayerPeer(serverPeer);
    const url = `ws://${HOST}:${serverPeer.getLocalPort()}/`;
    const joins: number[] = [];
    const leaves: number[] = [];
    const held = [server.peerConnected$.subscribe((id) => joins.push(id)), server.peerDisconnected$.subscribe((id) => leaves.push(id))];
    cleanups.push(() => {
      held.forEach((s) => s.unsubscribe());
      serverPeer.close();
    });
    const stayPeer = new WebSocketMultiplayerPeer();
    stayPeer.createClient(url);
    const stay = fromMultiplayerPeer(stayPeer);
    const stayLeaves: number[] = [];
    const stayHeld = stay.peerDisconnected$.subscribe((id) => stayLeaves.push(id));
    cleanups.push(() => {
      stayHeld.unsubscribe();
      stayPeer.close();
    });
    await next(stay.status$, 'the staying client to connect', (s) => s === ConnectionStatus.CONNECTED);

    // A separate process speaks the wire protocol with a plain ws client, then is killed.
    const script = `const WebSocket = require('ws'); const ws = new WebSocket(process.argv[1]);
      ws.on('message', (data) => { if (data[0] === 3) console.log('id ' + data.readInt32LE(9)); });
      ws.on('error', () => {}); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script, url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let outputChanged: () => void = () => {};
    const onOutput = (chunk: string): void => {
      output += chunk;
      outputChanged();
    };
    child.stdout.setEncoding('utf8').on('data', onOutput);
    child.stderr.setEncoding('utf8').on('data', onOutput);
    /** Resolves once the child printed `text` (bounded by the test's timeout via `next` below). */
    const printed = (text: string): Promise<void> =>
      new Promise<void>((done) => {
        const check = (): void => {
          if (output.includes(text)) done();
        };
        outputChanged = check;
        check();
      });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    cleanups.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const victim = await next(stay.peerConnected$, 'the child to join', (id) => id !== 1);
    expect(joins).toContain(victim);
    // The child has its id (so it is mid-game) before it is killed.
    await firstValueFrom(
      from(printed(`id ${victim}`)).pipe(timeout({ first: WAIT_MS, with: () => Promise.reject(new Error(`the child never printed its id: ${output}`)) })),
    );
    const told = Promise.all([
      next(server.peerDisconnected$, 'the server to drop the killed client'),
      next(stay.peerDisconnected$, 'the other client to be told'),
    ]);
    child.kill('SIGKILL');
    await exited;
    expect(await told).toEqual([victim, victim]);
    expect(leaves).toEqual([victim]);
    expect(stayLeaves).toEqual([victim]);
    expect(serverPeer.getPeers()).toEqual([stayPeer.getUniqueId()]);
  });

  it('a server whose port is in use fails: ready() says why, then connection_failed', async () => {
    const tcp = new TCPServer();
    expect(tcp.listen(0, HOST)).toBe(ErrorCode.OK);
    expect(await tcp.ready()).toBe(ErrorCode.OK);
    cleanups.push(() => tcp.stop());
    const peer = new WebSocketMultiplayerPeer();
    expect(peer.createServer(tcp.getLocalPort(), HOST)).toBe(ErrorCode.OK); // Node binds asynchronously
    const socket = fromMultiplayerPeer(peer);
    const closed = next(socket.close$, 'the server to fail');
    expect(await peer.ready()).toBe(ErrorCode.ERR_ALREADY_IN_USE);
    expect(await closed).toBe('connection_failed');
    expect(peer.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
    expect(peer.createServer(0, HOST)).toBe(ErrorCode.OK); // free to try again
    expect(await peer.ready()).toBe(ErrorCode.OK);
    peer.close();
  });
});

describe('a flood of half-open connections', () => {
  it('never delays packets between established peers, and every one is dropped after handshakeTimeout', async () => {
    const server = world.player('server');
    server.peer.handshakeTimeout = 2;
    const url = await world.serve(server);
    const [a, b] = [world.player('a'), world.player('b')];
    await join(world, a, url);
    await join(world, b, url);
    const { port } = new URL(url);
    const flood: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < 300; i++) {
      const socket = netConnect(Number(port), HOST);
      socket.on('error', () => {});
      socket.on('close', () => closed++);
      // Half of them start an HTTP request and never finish it.
      if (i % 2 === 0) socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      flood.push(socket);
    }
    cleanups.push(() => flood.forEach((s) => s.destroy()));
    await world.until('the flood to be accepted', () => server.peer.getPeers().length === 2 && closed === 0, WAIT_MS);
    // 100 relayed round trips between a and b while every flooding connection is pending.
    const started = Date.now();
    for (let i = 0; i < 100; i++) {
      expect(a.send(b.id, `ping ${i}`)).toBe(ErrorCode.OK);
      await world.until(`ping ${i}`, () => b.packets.length === i + 1);
      expect(b.send(a.id, `pong ${i}`)).toBe(ErrorCode.OK);
      await world.until(`pong ${i}`, () => a.packets.length === i + 1);
    }
    const elapsed = Date.now() - started;
    // Every round trip was done while all 300 were still pending: the packets never waited for them.
    expect(closed).toBe(0);
    expect(elapsed).toBeLessThan(2000);
    expect(a.packets.at(-1)).toEqual({ from: b.id, text: 'pong 99' });
    await world.until('every half-open connection to be dropped', () => closed === flood.length, 6000);
    expect(server.events).toEqual([`+${a.id}`, `+${b.id}`]);
  });
});

describe('wss', () => {
  let certificates: TestCertificates;
  beforeAll(() => {
    certificates = generateCertificates();
  });
  afterAll(() => certificates.remove());

  it('serves wss:// with TLSOptions.server and connects with TLSOptions.client', async () => {
    const server = world.player('server');
    expect(server.peer.createServer(0, HOST, TLSOptions.server(certificates.local.key, certificates.local.cert))).toBe(ErrorCode.OK);
    expect(await server.peer.ready()).toBe(ErrorCode.OK);
    const url = `wss://${HOST}:${server.peer.getLocalPort()}/`;
    const a = world.player('a');
    expect(a.peer.createClient(url, TLSOptions.client({ trustedCa: certificates.ca }))).toBe(ErrorCode.OK);
    await world.until('a to connect', () => a.peer.getConnectionStatus() === ConnectionStatus.CONNECTED);
    expect(a.send(1, 'secret')).toBe(ErrorCode.OK);
    await world.until('the packet', () => server.packets.length === 1);
    expect(server.received()).toEqual([`${a.id}>secret`]);
    // An untrusted certificate fails the connection.
    const b = world.player('b');
    expect(b.peer.createClient(url)).toBe(ErrorCode.OK);
    await world.until('b to fail', () => b.events.includes('failed'));
  });

  it('refuses unusable server TLS options', () => {
    const peer = new WebSocketMultiplayerPeer();
    expect(peer.createServer(0, HOST, TLSOptions.server('not a key', 'not a cert'))).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(peer.createServer(70000)).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(peer.createServer(0, 'not an address')).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(peer.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
  });
});

describe('in a browser build', () => {
  it('is a client only: createServer returns ERR_UNAVAILABLE', () => {
    jest.isolateModules(() => {
      jest.doMock('../../../src/peer/platform', () => jest.requireActual('../../../src/peer/platform.browser'));
      jest.doMock('../../../src/peer/server-platform', () => jest.requireActual('../../../src/peer/server-platform.browser'));
      const { WebSocketMultiplayerPeer: BrowserPeer } = jest.requireActual<typeof import('../../../src/peer/multiplayer/websocket-multiplayer-peer')>(
        '../../../src/peer/multiplayer/websocket-multiplayer-peer',
      );
      const peer = new BrowserPeer();
      expect(peer.createServer(0)).toBe(ErrorCode.ERR_UNAVAILABLE);
      expect(peer.getConnectionStatus()).toBe(ConnectionStatus.DISCONNECTED);
    });
  });
});

