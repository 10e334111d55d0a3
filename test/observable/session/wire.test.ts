// The session frames byte for byte, and what a malformed frame gets (null: the caller closes with 1002).
import {
  dataPayloadOffset,
  decodeFrame,
  encodeAck,
  encodeData,
  encodeHello,
  encodeResume,
  encodeResumed,
  encodeWelcome,
  FrameKind,
  isSessionProtocol,
  isTextData,
  sessionProtocolFor,
} from '../../../src/observable/session/wire';

const token = Uint8Array.from({ length: 48 }, (_, i) => i);

describe('session wire format', () => {
  it('DATA keeps text and binary apart, with and without an acknowledgement', () => {
    expect([...encodeData(Uint8Array.of(104, 105), true, -1)]).toEqual([0x11, 104, 105]);
    expect([...encodeData(Uint8Array.of(7), false, 300)]).toEqual([0x12, 0xac, 0x02, 7]);
    expect(decodeFrame(encodeData(Uint8Array.of(7), false, 300))).toEqual({ kind: FrameKind.DATA, isString: false, received: 300, payload: Uint8Array.of(7) });
    expect(decodeFrame(encodeData(new Uint8Array(0), true, -1))).toEqual({ kind: FrameKind.DATA, isString: true, received: -1, payload: new Uint8Array(0) });
  });

  it('sequence numbers up to 2^53 - 1 round-trip', () => {
    for (const n of [0, 127, 128, 16383, 16384, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      expect(decodeFrame(encodeAck(n))).toEqual({ kind: FrameKind.ACK, received: n });
      expect(decodeFrame(encodeResume(n, token))).toEqual({ kind: FrameKind.RESUME, version: 1, received: n, token });
      expect(decodeFrame(encodeResumed(n, token))).toEqual({ kind: FrameKind.RESUMED, received: n, token });
    }
    expect(decodeFrame(encodeHello())).toEqual({ kind: FrameKind.HELLO, version: 1 });
    expect(decodeFrame(encodeWelcome(token))).toEqual({ kind: FrameKind.WELCOME, token });
  });

  it('malformed frames decode to null', () => {
    const bad = [
      [],
      [0x00],
      [0x06],
      [0x1c, 1], // unknown DATA flags
      [0x12, 0x80], // truncated acknowledgement
      [0x05, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // over 2^53
      [0x05, 1, 2], // trailing bytes
      [0x01],
      [...encodeWelcome(token)].slice(0, 40), // short token
      [...encodeResume(1, token), 0],
    ];
    for (const frame of bad) expect(decodeFrame(Uint8Array.from(frame))).toBeNull();
  });

  it('the allocation-free DATA reader agrees with decodeFrame', () => {
    const frames = [
      encodeData(Uint8Array.of(1, 2), true, -1),
      encodeData(Uint8Array.of(3), false, 0),
      encodeData(new Uint8Array(0), false, Number.MAX_SAFE_INTEGER),
      Uint8Array.of(0x12, 0x80),
      Uint8Array.of(0x1c, 1),
      encodeAck(5),
      encodeHello(),
    ];
    for (const frame of frames) {
      const ack = { value: -2 };
      const offset = dataPayloadOffset(frame, ack);
      const decoded = decodeFrame(frame);
      if (decoded?.kind !== FrameKind.DATA) expect(offset).toBe(-1);
      else expect({ payload: frame.subarray(offset), received: ack.value, isString: isTextData(frame) }).toEqual({ payload: decoded.payload, received: decoded.received, isString: decoded.isString });
    }
  });

  it('the subprotocol rides on the application one', () => {
    expect(sessionProtocolFor('')).toBe('rxpeer-session.v1');
    expect(sessionProtocolFor('chat')).toBe('chat+rxpeer-session.v1');
    expect([isSessionProtocol('chat+rxpeer-session.v1'), isSessionProtocol('rxpeer-session.v1'), isSessionProtocol('chat')]).toEqual([true, true, false]);
  });
});
