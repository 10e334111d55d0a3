// The wire formats, byte for byte: Godot 3's 9-byte header and system messages, Godot 4's id handshake.
import {
  decodeIdHandshake,
  decodeMessage,
  encodeId,
  encodeMessage,
  encodeSystemMessage,
  HEADER_SIZE,
  isClientId,
  MessageType,
  systemMessageId,
} from '../../../src/peer/multiplayer/wire-format';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe('Godot 3 messages', () => {
  it('puts type, from and to (little-endian int32) before the payload', () => {
    expect(encodeMessage(MessageType.DATA, 0x01020304, -2, bytes(9, 8))).toEqual(
      bytes(0, 0x04, 0x03, 0x02, 0x01, 0xfe, 0xff, 0xff, 0xff, 9, 8),
    );
    expect(HEADER_SIZE).toBe(9);
  });

  it('encodes system messages as Godot 3 does: from 1, to 0, the id as payload', () => {
    expect(encodeSystemMessage(MessageType.ID, 7)).toEqual(bytes(3, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0));
    expect(encodeSystemMessage(MessageType.ADD, 1)).toEqual(bytes(1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0));
    expect(encodeSystemMessage(MessageType.DEL, 0x7fffffff)).toEqual(bytes(2, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f));
  });

  it('decodes what it encodes, the payload as a view', () => {
    const message = encodeMessage(MessageType.DATA, 123456, -99, bytes(1, 2, 3));
    const decoded = decodeMessage(message);
    expect(decoded).toEqual({ type: MessageType.DATA, from: 123456, to: -99, payload: bytes(1, 2, 3) });
    expect('payload' in decoded && decoded.payload.buffer).toBe(message.buffer);
    const system = decodeMessage(encodeSystemMessage(MessageType.ADD, 42));
    expect('error' in system ? system : systemMessageId(system)).toBe(42);
  });

  it('reads a message inside a larger buffer (byteOffset)', () => {
    const backing = new Uint8Array(20);
    backing.set(encodeMessage(MessageType.DATA, 5, 6, bytes(7)), 4);
    expect(decodeMessage(backing.subarray(4, 14))).toEqual({ type: MessageType.DATA, from: 5, to: 6, payload: bytes(7) });
  });

  it('accepts an empty data payload', () => {
    expect(decodeMessage(encodeMessage(MessageType.DATA, 2, 1))).toEqual({ type: 0, from: 2, to: 1, payload: bytes() });
  });

  it.each([
    [bytes(), /0 bytes, shorter than the 9-byte header/],
    [bytes(0, 1, 0, 0, 0, 1, 0, 0), /8 bytes, shorter than the 9-byte header/],
    [bytes(4, 1, 0, 0, 0, 0, 0, 0, 0), /Invalid multiplayer message type 4/],
    [bytes(255, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0), /type 255/],
    [bytes(3, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0), /Invalid ID message: 3-byte payload, expected a 4-byte id/],
    [bytes(1, 1, 0, 0, 0, 0, 0, 0, 0), /Invalid ADD message: 0-byte payload/],
  ])('refuses malformed message %#, saying why', (message, why) => {
    const decoded = decodeMessage(message);
    expect('error' in decoded && decoded.error).toMatch(why);
    if ('error' in decoded) expect(new TextEncoder().encode(decoded.error).byteLength).toBeLessThanOrEqual(123);
  });
});

describe('Godot 4 id handshake', () => {
  it('is the id as 4 bytes little-endian', () => {
    expect(encodeId(0x12345678)).toEqual(bytes(0x78, 0x56, 0x34, 0x12));
    expect(decodeIdHandshake(encodeId(2))).toBe(2);
    expect(decodeIdHandshake(encodeId(0x7fffffff))).toBe(0x7fffffff);
  });

  it.each([
    [bytes(2, 0, 0), /3 bytes, expected 4/],
    [bytes(2, 0, 0, 0, 0), /5 bytes, expected 4/],
    [encodeId(1), /Invalid ID received from server: 1 \(must be at least 2\)/],
    [encodeId(0), /: 0 /],
    [encodeId(-5), /: -5 /],
  ])('refuses handshake %#, saying why', (message, why) => {
    const decoded = decodeIdHandshake(message);
    expect(typeof decoded === 'object' && decoded.error).toMatch(why);
  });

  it('client ids are 2 to 2³¹ − 1', () => {
    expect([1, 2, 0x7fffffff, 0x80000000, 2.5, -2].map(isClientId)).toEqual([false, true, true, false, false, false]);
  });
});
