import { ErrorCode, State, WebSocketPeer } from 'rxpeer';
import { createMemoryPair } from 'rxpeer/testing';
import { kAttachTransport, kSetClock, kSetHooks } from '../../src/peer/internal.js';
import { joinInMemory } from '../../src/peer/memory/memory-transport.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('createMemoryPair', () => {
  it('starts both peers CONNECTING and opens each at its first poll()', () => {
    const [a, b] = createMemoryPair();
    expect([a.getReadyState(), b.getReadyState()]).toEqual([State.CONNECTING, State.CONNECTING]);
    a.poll();
    expect([a.getReadyState(), b.getReadyState()]).toEqual([State.OPEN, State.CONNECTING]);
    b.poll();
    expect(b.getReadyState()).toBe(State.OPEN);
  });

  it("delivers what one sends after the other's next poll(), in order, with the frame type", () => {
    const [a, b] = createMemoryPair();
    a.poll();
    b.poll();
    expect(a.sendText('one')).toBe(ErrorCode.OK);
    expect(a.send(new Uint8Array([1, 2, 3]))).toBe(ErrorCode.OK);
    expect(a.send(new Uint8Array(0))).toBe(ErrorCode.OK);
    expect(b.getAvailablePacketCount()).toBe(0);
    b.poll();
    expect(b.getAvailablePacketCount()).toBe(3);
    expect(text(b.getPacket())).toBe('one');
    expect(b.wasStringPacket()).toBe(true);
    expect([...b.getPacket()]).toEqual([1, 2, 3]);
    expect(b.wasStringPacket()).toBe(false);
    expect(b.getPacket().byteLength).toBe(0);
    expect(b.getPacketError()).toBe(ErrorCode.OK);
    expect(b.getPacket().byteLength).toBe(0);
    expect(b.getPacketError()).toBe(ErrorCode.ERR_UNAVAILABLE);
  });

  it('runs the close handshake over polls: CLOSING, the answer, then CLOSED on both sides', () => {
    const [a, b] = createMemoryPair();
    a.poll();
    b.poll();
    expect(a.close(4000, 'bye')).toBe(ErrorCode.OK);
    expect(a.getReadyState()).toBe(State.CLOSING);
    a.poll();
    expect(a.getReadyState()).toBe(State.CLOSING);
    b.poll();
    expect(b.getReadyState()).toBe(State.CLOSED);
    expect([b.getCloseCode(), b.getCloseReason()]).toEqual([4000, 'bye']);
    a.poll();
    expect(a.getReadyState()).toBe(State.CLOSED);
    expect([a.getCloseCode(), a.getCloseReason()]).toEqual([4000, 'bye']);
  });

  it('close(-1) is CLOSED at once; the other sees CLOSED with -1 at its next poll()', () => {
    const [a, b] = createMemoryPair();
    a.poll();
    b.poll();
    expect(a.close(-1)).toBe(ErrorCode.OK);
    expect(a.getReadyState()).toBe(State.CLOSED);
    expect(a.getCloseCode()).toBe(-1);
    expect(b.getReadyState()).toBe(State.OPEN);
    b.poll();
    expect(b.getReadyState()).toBe(State.CLOSED);
    expect(b.getCloseCode()).toBe(-1);
  });

  it('close(-1) while CLOSING forces CLOSED at once, as Godot does', () => {
    const [a, b] = createMemoryPair();
    a.poll();
    b.poll();
    a.close(1000);
    expect(a.getReadyState()).toBe(State.CLOSING);
    expect(a.close(-1)).toBe(ErrorCode.OK);
    expect(a.getReadyState()).toBe(State.CLOSED);
    expect(a.getCloseCode()).toBe(-1);
  });

  it('keeps packets that arrived before the close frame readable after CLOSED (rule 1)', () => {
    const [a, b] = createMemoryPair();
    a.poll();
    b.poll();
    a.sendText('last words');
    a.close(1000, '');
    b.poll();
    expect(b.getReadyState()).toBe(State.CLOSED);
    expect(b.getAvailablePacketCount()).toBe(1);
    expect(text(b.getPacket())).toBe('last words');
  });
});

describe('hooks inside poll()', () => {
  it('hear the packets that arrived before a close frame before the close request (wire order)', () => {
    const [a, b] = createMemoryPair();
    a.poll();
    b.poll();
    const heard: string[] = [];
    b[kSetHooks]({
      stateChanged: (s) => heard.push(State[s]),
      wake: () => {},
      packetReady: () => heard.push('packet'),
      closeRequested: (code) => heard.push(`close request ${code}`),
    });
    a.sendText('one');
    a.sendText('two');
    a.close(4000, 'bye');
    b.poll();
    expect(heard).toEqual(['packet', 'packet', 'CLOSING', 'close request 4000', 'CLOSED']);
  });
});

describe('a new connection the platform refuses to start', () => {
  it('leaves the old connection, its state and its unread packets untouched', () => {
    const [a, b] = createMemoryPair();
    a.poll();
    b.poll();
    b.sendText('unread');
    a.poll();
    a.close(1000, 'leaving');
    const refused = a[kAttachTransport]({
      requestedUrl: 'ws://refused/',
      open: () => {
        throw new Error('the platform refuses this request');
      },
    });
    expect(refused).toBe(ErrorCode.ERR_INVALID_PARAMETER);
    expect(a.getReadyState()).toBe(State.CLOSING);
    b.poll(); // answers the close
    a.poll();
    expect([State[a.getReadyState()], a.getCloseCode(), a.getCloseReason()]).toEqual(['CLOSED', 1000, 'leaving']);
    expect(text(a.getPacket())).toBe('unread');
  });
});

describe('the heartbeat and the peer clock', () => {
  it('keeps its deadline when a driver swaps the clock (fromPeer attaching and leaving)', () => {
    const [a, b] = joinedDeafPair();
    let t = 0;
    a[kSetClock](() => t);
    a.heartbeatInterval = 1;
    a.poll();
    b.poll();
    expect(a.getReadyState()).toBe(State.OPEN);
    // At t = 500 a driver whose clock reads a million ms less takes over (as performance.now()
    // after Date.now()): unless the deadline moves with it, no ping would ever fall due.
    t = 500;
    let u = 500 - 1_000_000;
    a[kSetClock](() => u);
    u += 600; // 1100 ms after OPEN: the first ping is due and goes out
    a.poll();
    u += 1000; // 2100 ms: that ping went unanswered
    a.poll();
    expect([State[a.getReadyState()], a.getCloseCode()]).toEqual(['CLOSED', -1]);
  });
});

/** A pair whose second end never answers pings (a remote whose cable was pulled). */
function joinedDeafPair(): [WebSocketPeer, WebSocketPeer] {
  const a = new WebSocketPeer();
  const b = new WebSocketPeer();
  const [, endB] = joinInMemory(a, b);
  endB.answersPings = false;
  return [a, b];
}
