// fromMultiplayerPeer in virtual time: a whole game over the in-memory network, driven by
// TestScheduler. Memory servers give ids 2, 3, 4, … in order, so the marbles are exact.
import { defer, map, Subject, takeUntil } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConnectionStatus, ErrorCode, fromMultiplayerPeer, type ObservableMultiplayerPeer } from 'rxpeer';
import { createMemoryNetwork } from 'rxpeer/testing';
import type { MultiplayerPacket } from '../../src/peer/multiplayer/websocket-multiplayer-peer';

const S = { d: ConnectionStatus.DISCONNECTED, c: ConnectionStatus.CONNECTING, C: ConnectionStatus.CONNECTED };
const URL = 'ws://game.example:8080/';
const decoder = new TextDecoder();
const show = (p: MultiplayerPacket): string => `${p.from}>${decoder.decode(p.data)}`;

function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A server on port 8080 and an idle network to connect clients to. */
function setUp(): { network: ReturnType<typeof createMemoryNetwork>; server: ObservableMultiplayerPeer } {
  const network = createMemoryNetwork();
  const peer = network.createPeer();
  expect(peer.createServer(8080)).toBe(ErrorCode.OK);
  return { network, server: fromMultiplayerPeer(peer) };
}

/** A client that connects when subscribed (so it can join at any frame). */
function client(network: ReturnType<typeof createMemoryNetwork>): { connect(): ObservableMultiplayerPeer } {
  const peer = network.createPeer();
  let socket: ObservableMultiplayerPeer | undefined;
  return {
    connect() {
      if (socket === undefined) {
        expect(peer.createClient(URL)).toBe(ErrorCode.OK);
        socket = fromMultiplayerPeer(peer);
      }
      return socket;
    },
  };
}

describe('fromMultiplayerPeer, on demand', () => {
  it('a game: join order, targeted, broadcast, exclude-one, relay, leave', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { network, server } = setUp();
      const a = client(network);
      const b = client(network);
      const c = client(network);
      // a joins at 0, b at 10, c at 20; they talk from 30; b leaves at 60.
      const aStatus = defer(() => a.connect().status$);
      const bStatus = defer(() => b.connect().status$);
      const cStatus = defer(() => c.connect().status$);
      expectObservable(aStatus).toBe('        (cC)', S);
      expectObservable(bStatus, '         ----------^').toBe('----------(cC)----------------------------------------------(d|)', S);
      expectObservable(cStatus, '         --------------------^').toBe('--------------------(cC)', S);
      expectObservable(server.peers$).toBe('(xa)------b---------c---------------------------------------d', {
        x: [],
        a: [2],
        b: [2, 3],
        c: [2, 3, 4],
        d: [2, 4],
      });
      expectObservable(server.peerConnected$).toBe('a---------b---------c', { a: 2, b: 3, c: 4 });
      expectObservable(server.peerDisconnected$).toBe('------------------------------------------------------------b', { b: 3 });

      cold('------------------------------x').subscribe(() => {
        expect(server.send('to-b', 3)).toBe(ErrorCode.OK); // targeted
        expect(a.connect().send('a-to-all')).toBe(ErrorCode.OK); // broadcast, relayed
      });
      cold('----------------------------------------x').subscribe(() => {
        expect(c.connect().send('not-a', -2)).toBe(ErrorCode.OK); // exclude one, relayed
        expect(a.connect().send('a-to-c', 4)).toBe(ErrorCode.OK); // targeted, relayed
      });
      cold('------------------------------------------------------------x').subscribe(() => b.connect().close());

      const packets = (socket: () => ObservableMultiplayerPeer) => defer(() => socket().packets$).pipe(map(show));
      expectObservable(server.packets$.pipe(map(show))).toBe('------------------------------a---------c', {
        a: '2>a-to-all',
        c: '4>not-a',
      });
      expectObservable(packets(() => a.connect())).toBe('--------------------------------------------');
      expectObservable(packets(() => b.connect()), '----------^').toBe('30ms (xa) 6ms c 19ms |', {
        x: '1>to-b',
        a: '2>a-to-all',
        c: '4>not-a',
      });
      expectObservable(packets(() => c.connect()), '--------------------^').toBe('------------------------------a---------d', {
        a: '2>a-to-all',
        d: '2>a-to-c',
      });
      expectObservable(defer(() => a.connect().peers$)).toBe('(xa)------b---------c---------------------------------------s', {
        x: [],
        a: [1],
        b: [1, 3],
        c: [1, 3, 4],
        s: [1, 4],
      });
    });
  });

  it('a client killed mid-game leaves everyone’s list; the client hears every peer leave, then close$', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { network, server } = setUp();
      const a = client(network).connect();
      const b = client(network).connect();
      cold('-----x').subscribe(() => a.peer.getPeer(1)!.close(-1)); // its connection dies, no close frame
      expectObservable(server.peerDisconnected$).toBe('-----a', { a: 2 });
      expectObservable(b.peerDisconnected$).toBe('-----a', { a: 2 });
      expectObservable(a.peerDisconnected$).toBe('-----(bs|)', { b: 3, s: 1 });
      expectObservable(a.status$).toBe('(cC)-(d|)', S);
      expectObservable(a.close$).toBe('-----(r|)', { r: 'server_disconnected' });
      expectObservable(b.peers$).toBe('(xay)z', { x: [], a: [1], y: [1, 2], z: [1] });
    });
  });

  it('closing the server: every client loses it; the server completes with close$ "closed"', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { network, server } = setUp();
      const a = client(network).connect();
      cold('----x').subscribe(() => server.close());
      expectObservable(server.status$).toBe('C---(d|)', S);
      expectObservable(server.close$).toBe('----(r|)', { r: 'closed' });
      expectObservable(server.peerConnected$).toBe('a---|', { a: 2 });
      expectObservable(a.status$).toBe('(cC)(d|)', S);
      expectObservable(a.close$).toBe('----(r|)', { r: 'server_disconnected' });
    });
  });

  it('a refused connection: CONNECTING → DISCONNECTED with close$ "connection_failed"', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const network = createMemoryNetwork();
      const peer = network.createPeer();
      expect(peer.createClient(URL)).toBe(ErrorCode.OK); // nobody listens on 8080
      const socket = fromMultiplayerPeer(peer);
      expectObservable(socket.status$).toBe('(cd|)', S);
      expectObservable(socket.close$).toBe('(r|)', { r: 'connection_failed' });
      expectObservable(socket.packets$).toBe('|');
    });
  });

  it('handshake timeout: a client whose server never answers fails exactly handshakeTimeout later', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const network = createMemoryNetwork();
      network.listenRaw(8080); // accepts nothing, sends nothing
      const peer = network.createPeer();
      peer.handshakeTimeout = 2.5;
      expect(peer.createClient(URL)).toBe(ErrorCode.OK);
      const socket = fromMultiplayerPeer(peer);
      expectObservable(socket.status$).toBe('c 2499ms (d|)', S);
      expectObservable(socket.close$).toBe('2500ms (r|)', { r: 'connection_failed' });
    });
  });

  it('handshake timeout: the server drops a half-open connection after 3 s; established peers never wait', () => {
    createTestScheduler().run(({ cold, expectObservable, flush }) => {
      const { network, server } = setUp();
      const a = client(network).connect();
      expectObservable(a.status$).toBe('(cC)', S);
      const silent = Array.from({ length: 100 }, () => network.connectHalfOpen(URL));
      cold('-x').subscribe(() => a.send('hi', 1));
      expectObservable(server.packets$.pipe(map(show))).toBe('-a', { a: '2>hi' });
      // The poll loop's timer for 3000 was scheduled after these checks, so it runs after them in that frame.
      cold('3000ms x').subscribe(() => expect(silent.some((c) => c.dropped)).toBe(false));
      cold('3001ms x').subscribe(() => expect(silent.every((c) => c.dropped)).toBe(true));
      expectObservable(server.peerConnected$).toBe('a', { a: 2 });
      flush();
    });
  });

  it('peers$ and status$ replay to late subscribers; every stream completes after DISCONNECTED', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { network, server } = setUp();
      const a = client(network).connect();
      const end = new Subject<void>();
      cold('----x').subscribe(() => end.next());
      expectObservable(server.peers$.pipe(takeUntil(end))).toBe('(xa)|', { x: [], a: [2] }); // keeps the loop running
      expectObservable(defer(() => server.peers$), '--^').toBe('--a---x', { a: [2], x: [] });
      // Nothing drove a before frame 2: it connects when first subscribed.
      expectObservable(defer(() => a.status$), '--^').toBe('--(cC)(d|)', S);
      cold('------x').subscribe(() => a.close());
      expectObservable(defer(() => a.status$), '--------^').toBe('--------(d|)', S);
      expectObservable(defer(() => a.peers$), '--------^').toBe('--------(x|)', { x: [] });
      expectObservable(defer(() => a.close$), '--------^').toBe('--------(r|)', { r: 'closed' });
    });
  });

  it('send() leaves the peer’s own target alone, and returns putPacket’s error', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const { network, server } = setUp();
      const a = client(network).connect();
      expectObservable(a.status$).toBe('(cC)', S);
      server.peer.setTargetPeer(-5);
      const results = cold('-x').pipe(map(() => [server.send('x', 99), server.send('x', 2), a.send('y', 1), server.peer.getTargetPeer()]));
      expectObservable(results).toBe('-r', { r: [ErrorCode.ERR_INVALID_PARAMETER, ErrorCode.OK, ErrorCode.OK, -5] });
      expectObservable(server.packets$.pipe(map(show))).toBe('-y', { y: '2>y' });
    });
  });
});

describe('fromMultiplayerPeer, polling', () => {
  it('on demand: an idle game schedules nothing; on a fixed beat it polls every pollInterval', () => {
    const scheduler = createTestScheduler();
    const network = createMemoryNetwork();
    const serverPeer = network.createPeer();
    serverPeer.createServer(8080);
    const clientPeer = network.createPeer();
    clientPeer.createClient(URL);
    const server = fromMultiplayerPeer(serverPeer, { scheduler });
    const connected: number[] = [];
    const subscription = server.peerConnected$.subscribe((id) => connected.push(id));
    const client = fromMultiplayerPeer(clientPeer, { scheduler, pollInterval: 10 });
    const clientStatus: ConnectionStatus[] = [];
    const clientSubscription = client.status$.subscribe((s) => clientStatus.push(s));
    scheduler.flush(); // the beat keeps one action scheduled; flush() stops at maxFrames
    expect(connected).toEqual([2]);
    expect(clientStatus).toEqual([ConnectionStatus.CONNECTING, ConnectionStatus.CONNECTED]);
    clientSubscription.unsubscribe();
    expect(scheduler.actions).toHaveLength(0); // the beat stopped with the last subscriber
    // The server is idle: nothing scheduled until something arrives.
    expect(server.send('hello', 2)).toBe(ErrorCode.OK);
    expect(scheduler.actions).toHaveLength(0);
    subscription.unsubscribe();
  });

  it('validates its options and refuses anything but a WebSocketMultiplayerPeer', () => {
    const peer = createMemoryNetwork().createPeer();
    expect(() => fromMultiplayerPeer({} as never)).toThrow(TypeError);
    expect(() => fromMultiplayerPeer(peer, { pollInterval: -1 })).toThrow(/pollInterval/);
    expect(fromMultiplayerPeer(peer)).toBe(fromMultiplayerPeer(peer));
  });
});
