import { ErrorCode, State } from 'rxpeer';
import { createMemoryPair } from 'rxpeer/testing';
import { kSetHooks } from '../../src/peer/internal.js';

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
