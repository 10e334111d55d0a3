// A refused call changes nothing: the object answers (an ErrorCode, or a TypeError at the
// call) and works exactly as before. Each case here was once a call that threw but kept
// the bad value, or accepted it and failed later, far from the mistake.
import { firstValueFrom, filter } from 'rxjs';
import { ErrorCode, fromPeer, sendQueue, State, WebSocketClient, WebSocketMultiplayerPeer, WebSocketPeer, WebSocketServer } from 'rxpeer';
import { createMemoryPair } from 'rxpeer/testing';
import { nextTurn, within } from '../helpers/poll.js';

describe('refused calls change nothing', () => {
  it('SendQueue.attach({}) throws and keeps no socket: later sends still work', async () => {
    const queue = sendQueue();
    expect(() => queue.attach({} as never)).toThrow(/SendQueue.attach: socket must be an ObservablePeer/);
    expect(queue.send('kept')).toBe('queued'); // no socket: queued, not a throw
    const [a, b] = createMemoryPair();
    const socket = fromPeer(a);
    queue.attach(socket);
    const remote = fromPeer(b);
    const received = firstValueFrom(remote.packets$);
    await within(firstValueFrom(socket.state$.pipe(filter((s) => s === State.OPEN))), 'OPEN');
    expect((await within(received, 'the queued message')).text).toBe('kept');
    expect(queue.send('and more')).toBe('sent');
    a.close(-1);
  });

  it("Godot 3's on('client_connected', 42) throws; the signal still reaches the real listeners", async () => {
    const server = new WebSocketServer();
    server.bindIp = '127.0.0.1';
    expect(() => server.on('client_connected', 42 as never)).toThrow(TypeError);
    const connected: number[] = [];
    server.on('client_connected', (id) => connected.push(id));
    expect(server.listen(0)).toBe(ErrorCode.OK);
    expect(await server.ready()).toBe(ErrorCode.OK);
    const client = new WebSocketClient();
    expect(client.connectToUrl(`ws://127.0.0.1:${server.getLocalPort()}/`)).toBe(ErrorCode.OK);
    for (let i = 0; i < 10_000 && connected.length === 0; i++) {
      server.poll(); // would throw every time the signal fired if 42 had been kept
      client.poll();
      await nextTurn();
    }
    expect(connected).toHaveLength(1);
    client.disconnectFromHost(-1);
    server.stop();
  });

  it('WebSocketClient.connectToUrl with a bad subprotocol or header leaves the client as it was', () => {
    const client = new WebSocketClient();
    expect(client.connectToUrl('ws://127.0.0.1:1/', ['not a token'])).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(client.connectToUrl('ws://127.0.0.1:1/', [], false, ['X-Bad\r\nInjected: 1'])).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(client.getPeer(1)?.getReadyState() ?? State.CLOSED).toBe(State.CLOSED);
  });

  it('peer durations past 2^31-1 ms are ignored, not run at once', () => {
    const peer = new WebSocketPeer();
    peer.heartbeatInterval = 3e6; // seconds: about 35 days
    expect(peer.heartbeatInterval).toBe(0);
    peer.handshakeTimeout = 2 ** 31;
    expect(peer.handshakeTimeout).toBe(10);
    peer.closeTimeout = Infinity;
    expect(peer.closeTimeout).toBe(5);
    peer.heartbeatInterval = 2_000_000; // within the limit
    expect(peer.heartbeatInterval).toBe(2_000_000);
    // The same bound for every Godot-named class that has a timer.
    const server = new WebSocketServer();
    server.handshakeTimeout = 3e6;
    expect(server.handshakeTimeout).toBe(3);
    const multiplayer = new WebSocketMultiplayerPeer();
    multiplayer.handshakeTimeout = 3e6;
    expect(multiplayer.handshakeTimeout).toBe(3);
  });
});
