// The session protocol's frames. Once both ends selected the session subprotocol at the
// WebSocket handshake, every message is a binary frame whose first byte says what it is;
// without the subprotocol none of this is on the wire.
//
//   HELLO    0x01 version                       client → server: start a new session
//   RESUME   0x02 version received token        client → server: continue a session
//   WELCOME  0x03 token                         server → client: a new session, here is its credential
//   RESUMED  0x04 received token                server → client: continued, here is the next credential
//   ACK      0x05 received                      either way: every message up to `received` arrived
//   DATA     0x10|flags [received] payload      either way: one application message
//            flags: 0x01 the payload is text (UTF-8), 0x02 an acknowledgement rides along
//
// `received` is a LEB128 varint: the sequence number of the last application message
// received, in order, from the other side (messages are numbered 1, 2, 3, … per direction).
// Sequence numbers never travel with DATA: a connection carries messages contiguously,
// starting right after what the receiver said it had, so the receiver counts them.
// `token` is the credential: 16 bytes of session id, then 32 bytes of secret.

export const SESSION_PROTOCOL = 'rxpeer-session.v1';
export const PROTOCOL_VERSION = 1;
export const TOKEN_BYTES = 48;
export const SESSION_ID_BYTES = 16;

export enum FrameKind {
  HELLO = 0x01,
  RESUME = 0x02,
  WELCOME = 0x03,
  RESUMED = 0x04,
  ACK = 0x05,
  DATA = 0x10,
}
const DATA_TEXT = 0x01;
const DATA_ACK = 0x02;

/** Close code a server sends when it cannot continue a session; the reason says why. */
export const CLOSE_SESSION_UNKNOWN = 4001;
/**
 * Close code a server sends when a resume presents the credential it replaced, while the
 * connection that carried the new one is still open: the client retries (that connection
 * may be half-open), a copy of an old handshake gets nowhere.
 */
export const CLOSE_SESSION_BUSY = 4002;
/** Close code for a frame that breaks the session protocol. */
export const CLOSE_PROTOCOL_ERROR = 1002;

/** Most bytes a DATA header takes (kind + a varint of up to 2^53). */
export const MAX_DATA_HEADER = 1 + 8;

export type Frame =
  | { kind: FrameKind.HELLO; version: number }
  | { kind: FrameKind.RESUME; version: number; received: number; token: Uint8Array }
  | { kind: FrameKind.WELCOME; token: Uint8Array }
  | { kind: FrameKind.RESUMED; received: number; token: Uint8Array }
  | { kind: FrameKind.ACK; received: number }
  | { kind: FrameKind.DATA; isString: boolean; received: number; payload: Uint8Array };

/** The subprotocol a session client offers, or a server accepts, for an application protocol ('' = none). */
export function sessionProtocolFor(protocol: string): string {
  return protocol === '' ? SESSION_PROTOCOL : `${protocol}+${SESSION_PROTOCOL}`;
}

/** Whether a selected subprotocol is a session one. */
export function isSessionProtocol(protocol: string): boolean {
  return protocol === SESSION_PROTOCOL || protocol.endsWith(`+${SESSION_PROTOCOL}`);
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

function writeVarint(target: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    target[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  target[offset++] = value;
  return offset;
}

/** DATA frame; `received` < 0 means no acknowledgement rides along. */
export function encodeData(payload: Uint8Array, isString: boolean, received: number): Uint8Array {
  const withAck = received >= 0;
  const headerLength = 1 + (withAck ? varintLength(received) : 0);
  const frame = new Uint8Array(headerLength + payload.byteLength);
  frame[0] = FrameKind.DATA | (isString ? DATA_TEXT : 0) | (withAck ? DATA_ACK : 0);
  if (withAck) writeVarint(frame, 1, received);
  frame.set(payload, headerLength);
  return frame;
}

export function encodeAck(received: number): Uint8Array {
  const frame = new Uint8Array(1 + varintLength(received));
  frame[0] = FrameKind.ACK;
  writeVarint(frame, 1, received);
  return frame;
}

export function encodeHello(): Uint8Array {
  return Uint8Array.of(FrameKind.HELLO, PROTOCOL_VERSION);
}

export function encodeResume(received: number, token: Uint8Array): Uint8Array {
  const frame = new Uint8Array(2 + varintLength(received) + TOKEN_BYTES);
  frame[0] = FrameKind.RESUME;
  frame[1] = PROTOCOL_VERSION;
  frame.set(token, writeVarint(frame, 2, received));
  return frame;
}

export function encodeWelcome(token: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + TOKEN_BYTES);
  frame[0] = FrameKind.WELCOME;
  frame.set(token, 1);
  return frame;
}

export function encodeResumed(received: number, token: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + varintLength(received) + TOKEN_BYTES);
  frame[0] = FrameKind.RESUMED;
  frame.set(token, writeVarint(frame, 1, received));
  return frame;
}

/** Reads a varint at `offset`: [value, next offset], or null when truncated or over 2^53. */
function readVarint(frame: Uint8Array, offset: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (offset >= frame.byteLength) return null;
    const byte = frame[offset++]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return Number.isSafeInteger(value) ? [value, offset] : null;
    scale *= 0x80;
  }
  return null;
}

/** A copy (the token outlives the frame; a received frame may be a view into a larger read, where `slice()` would not copy). */
function readToken(frame: Uint8Array, offset: number): Uint8Array | null {
  return frame.byteLength === offset + TOKEN_BYTES ? Uint8Array.from(frame.subarray(offset)) : null;
}

/**
 * The hot path of decodeFrame for DATA, without allocating: the payload's offset in
 * `frame` (-1 when it is not a well-formed DATA frame) and, through `ack`, the
 * acknowledgement riding along (-1 for none).
 */
export function dataPayloadOffset(frame: Uint8Array, ack: { value: number }): number {
  const kind = frame[0];
  if (kind === undefined || (kind & 0xf0) !== FrameKind.DATA || (kind & 0x0c) !== 0) return -1;
  if ((kind & DATA_ACK) === 0) {
    ack.value = -1;
    return 1;
  }
  let value = 0;
  let scale = 1;
  for (let offset = 1; offset < 9 && offset < frame.byteLength; offset++) {
    const byte = frame[offset]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) return -1;
      ack.value = value;
      return offset + 1;
    }
    scale *= 0x80;
  }
  return -1;
}

/** Whether a DATA frame's payload is text. */
export function isTextData(frame: Uint8Array): boolean {
  return (frame[0]! & DATA_TEXT) !== 0;
}

/** Parses one frame; null when it is malformed (the caller closes with a protocol error). */
export function decodeFrame(frame: Uint8Array): Frame | null {
  if (frame.byteLength === 0) return null;
  const kind = frame[0]!;
  if ((kind & 0xf0) === FrameKind.DATA) {
    if ((kind & 0x0c) !== 0) return null;
    const isString = (kind & DATA_TEXT) !== 0;
    if ((kind & DATA_ACK) === 0) return { kind: FrameKind.DATA, isString, received: -1, payload: frame.subarray(1) };
    const ack = readVarint(frame, 1);
    if (ack === null) return null;
    return { kind: FrameKind.DATA, isString, received: ack[0], payload: frame.subarray(ack[1]) };
  }
  switch (kind) {
    case FrameKind.HELLO:
      return frame.byteLength === 2 ? { kind, version: frame[1]! } : null;
    case FrameKind.RESUME: {
      if (frame.byteLength < 2) return null;
      const received = readVarint(frame, 2);
      const token = received && readToken(frame, received[1]);
      return received && token ? { kind, version: frame[1]!, received: received[0], token } : null;
    }
    case FrameKind.WELCOME: {
      const token = readToken(frame, 1);
      return token ? { kind, token } : null;
    }
    case FrameKind.RESUMED: {
      const received = readVarint(frame, 1);
      const token = received && readToken(frame, received[1]);
      return received && token ? { kind, received: received[0], token } : null;
    }
    case FrameKind.ACK: {
      const received = readVarint(frame, 1);
      return received && received[1] === frame.byteLength ? { kind, received: received[0] } : null;
    }
    default:
      return null;
  }
}
