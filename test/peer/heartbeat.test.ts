import { ErrorCode, State } from '../../src/peer/constants.js';
import { kNextTimer, kSetClock } from '../../src/peer/internal.js';
import { joinInMemory, type MemoryEnd } from '../../src/peer/memory/memory-transport.js';
import { WebSocketPeer } from '../../src/peer/websocket-peer.js';
import { cleanUp, newPeer } from '../helpers/cleanup.js';
import { describePeer, pollUntilState } from '../helpers/poll.js';
import { startServer } from '../helpers/ws-server.js';

afterEach(cleanUp);

describe('heartbeat over a memory pair, on an injected clock', () => {
  let now: number;
  let a: WebSocketPeer;
  let b: WebSocketPeer;
  let endB: MemoryEnd;

  /** `a` pings every `interval` seconds; `b` answers unless told otherwise. Both OPEN at t=0. */
  function setUp(interval: number): void {
    now = 0;
    a = new WebSocketPeer();
    b = new WebSocketPeer();
    a[kSetClock](() => now);
    b[kSetClock](() => now);
    a.heartbeatInterval = interval;
    [, endB] = joinInMemory(a, b);
    a.poll();
    b.poll();
    expect([a.getReadyState(), b.getReadyState()]).toEqual([State.OPEN, State.OPEN]);
  }

  const at = (t: number): void => {
    now = t;
    a.poll();
    b.poll();
  };

  it('a dead remote: ping at one interval, CLOSED with -1 at the second', () => {
    setUp(1);
    endB.answersPings = false;
    expect(a[kNextTimer]()).toBe(1000);
    at(999);
    expect(a.getReadyState()).toBe(State.OPEN);
    at(1000); // first ping goes out, unanswered
    expect(a.getReadyState()).toBe(State.OPEN);
    expect(a[kNextTimer]()).toBe(2000);
    at(1999);
    expect(a.getReadyState()).toBe(State.OPEN);
    now = 2000;
    a.poll();
    expect(a.getReadyState()).toBe(State.CLOSED);
    expect(a.getCloseCode()).toBe(-1);
    expect(a[kNextTimer]()).toBe(Infinity);
    // The other side sees the connection drop, unclean.
    b.poll();
    expect(b.getReadyState()).toBe(State.CLOSED);
    expect(b.getCloseCode()).toBe(-1);
  });

  it('with rare polls, the first poll after the second interval drops a dead remote', () => {
    setUp(0.5);
    endB.answersPings = false;
    at(600); // ping
    expect(a.getReadyState()).toBe(State.OPEN);
    at(5000); // long gap: the ping is still unanswered
    expect(a.getReadyState()).toBe(State.CLOSED);
    expect(a.getCloseCode()).toBe(-1);
  });

  it('a live remote stays OPEN interval after interval', () => {
    setUp(1);
    for (let t = 0; t <= 20_000; t += 250) {
      at(t);
      expect(a.getReadyState()).toBe(State.OPEN);
    }
    expect(b.getReadyState()).toBe(State.OPEN);
    expect(a[kNextTimer]()).toBe(21_000);
    // And the connection still carries data.
    expect(a.sendText('alive')).toBe(ErrorCode.OK);
    b.poll();
    expect(new TextDecoder().decode(b.getPacket())).toBe('alive');
  });

  it('a remote that stops answering is dropped two intervals later at most', () => {
    setUp(1);
    at(1000);
    at(2000);
    at(3000);
    expect(a.getReadyState()).toBe(State.OPEN);
    endB.answersPings = false;
    at(4000); // ping, unanswered
    expect(a.getReadyState()).toBe(State.OPEN);
    at(5000);
    expect(a.getReadyState()).toBe(State.CLOSED);
    expect(a.getCloseCode()).toBe(-1);
  });

  it('interval 0 (the default) never pings: a dead remote stays OPEN', () => {
    setUp(0);
    endB.answersPings = false;
    expect(a[kNextTimer]()).toBe(Infinity);
    at(1_000_000);
    expect(a.getReadyState()).toBe(State.OPEN);
  });

  it('takes the interval when the connection starts', () => {
    setUp(0);
    a.heartbeatInterval = 1;
    endB.answersPings = false;
    expect(a[kNextTimer]()).toBe(Infinity);
    at(10_000);
    expect(a.getReadyState()).toBe(State.OPEN);
  });

  it('has no heartbeat timer before OPEN', () => {
    const peer = new WebSocketPeer();
    peer.heartbeatInterval = 1;
    peer.handshakeTimeout = 0; // only the heartbeat's deadline here
    expect(peer[kNextTimer]()).toBe(Infinity);
    joinInMemory(peer, new WebSocketPeer());
    expect(peer.getReadyState()).toBe(State.CONNECTING);
    expect(peer[kNextTimer]()).toBe(Infinity);
    peer[kSetClock](() => 500);
    peer.poll();
    expect(peer[kNextTimer]()).toBe(1500);
  });
});

describe('heartbeat over a real socket', () => {
  /** Polls at the peer's own timer (no fixed sleeps) until `done`, at most `maxSteps` times. */
  async function pollAtTimers(peer: WebSocketPeer, done: (p: WebSocketPeer) => boolean, maxSteps = 30): Promise<void> {
    for (let i = 0; i < maxSteps; i++) {
      const due = peer[kNextTimer]();
      if (!Number.isFinite(due)) throw new Error(`pollAtTimers: the peer has no timer (${describePeer(peer)})`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.ceil(due - performance.now()))));
      peer.poll();
      if (done(peer)) return;
    }
    throw new Error(`pollAtTimers: not done after ${maxSteps} timers (${describePeer(peer)})`);
  }

  it('a server that never answers pings (autoPong: false): CLOSED with -1', async () => {
    const server = await startServer({ ws: { autoPong: false } });
    const peer = newPeer();
    peer.heartbeatInterval = 0.05;
    peer.connectToUrl(server.url());
    await pollUntilState(peer, State.OPEN);
    const opened = performance.now();
    const conn = await server.connection();
    await pollAtTimers(peer, (p) => p.getReadyState() === State.CLOSED);
    expect(peer.getCloseCode()).toBe(-1);
    expect(performance.now() - opened).toBeGreaterThanOrEqual(90); // two intervals, not one
    expect(await conn.waitClosed()).toEqual({ code: 1006, reason: '' });
    expect(conn.pings).toBe(1); // one ping went unanswered, then the drop
  });

  it('a server that answers stays OPEN across several intervals', async () => {
    const server = await startServer();
    const peer = newPeer();
    peer.heartbeatInterval = 0.05;
    peer.connectToUrl(server.url());
    await pollUntilState(peer, State.OPEN);
    const conn = await server.connection();
    let pings = 0;
    await pollAtTimers(peer, (p) => {
      expect(p.getReadyState()).toBe(State.OPEN);
      pings = conn.pings;
      return pings >= 4;
    });
    expect(peer.getReadyState()).toBe(State.OPEN);
    expect(pings).toBeGreaterThanOrEqual(4);
  });
});
