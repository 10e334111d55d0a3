// The two wire formats a WebSocketMultiplayerPeer speaks. Pure functions, no state.
//
// Godot 3 (`gd_mp_api = true`, also Pandemonium; modules/websocket/websocket_multiplayer_peer.cpp):
// every message is binary, a 9-byte header `[type u8][from i32 LE][to i32 LE]` + payload.
// The server sends ID(your id), ADD(id) and DEL(id) as system messages (from 1, to 0,
// payload the 4-byte id) and relays data between clients.
//
// Godot 4 (bare): the server's first message is the client's id as 4 bytes (i32 LE); after
// that a message is one packet, no header, and the server relays nothing.

/** Which protocol a multiplayer peer speaks: Godot 3's relaying one (the default) or Godot 4's bare one. */
export type MultiplayerWireFormat = 'godot3' | 'godot4';

/** Godot 3's message types (`SYS_NONE`, `SYS_ADD`, `SYS_DEL`, `SYS_ID`). */
export enum MessageType {
  DATA = 0,
  ADD = 1,
  DEL = 2,
  ID = 3,
}

/** Bytes of Godot 3's header (`PROTO_SIZE`). */
export const HEADER_SIZE = 9;
/** Bytes of an id: a system message's payload, and Godot 4's whole handshake. */
export const ID_SIZE = 4;
/** Unique ids are in [2, 2³¹ − 1]: 1 is the server, 0 broadcast, negatives exclusions. */
export const MIN_CLIENT_ID = 2;
export const MAX_PEER_ID = 0x7fffffff;

/** A random client id (Godot's: MIN_CLIENT_ID to MAX_PEER_ID) that `isTaken` does not refuse. */
export function randomClientId(isTaken: (id: number) => boolean): number {
  let id: number;
  do id = MIN_CLIENT_ID + Math.floor(Math.random() * (MAX_PEER_ID - MIN_CLIENT_ID + 1));
  while (isTaken(id));
  return id;
}

export interface DecodedMessage {
  type: MessageType;
  from: number;
  to: number;
  /** A view into the message, after the header. */
  payload: Uint8Array;
}

/** Why a message could not be decoded, in words fit for a close reason (≤ 123 bytes). */
export type DecodeResult = DecodedMessage | { error: string };

export function isClientId(id: number): boolean {
  return Number.isInteger(id) && id >= MIN_CLIENT_ID && id <= MAX_PEER_ID;
}

/** One Godot 3 message: header + payload. */
export function encodeMessage(type: MessageType, from: number, to: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const message = new Uint8Array(HEADER_SIZE + payload.byteLength);
  const view = new DataView(message.buffer);
  view.setUint8(0, type);
  view.setInt32(1, from, true);
  view.setInt32(5, to, true);
  message.set(payload, HEADER_SIZE);
  return message;
}

/** A Godot 3 system message (ID, ADD or DEL about `id`), always from the server (1) to 0. */
export function encodeSystemMessage(type: MessageType.ADD | MessageType.DEL | MessageType.ID, id: number): Uint8Array {
  return encodeMessage(type, 1, 0, encodeId(id));
}

/** Reads a Godot 3 message. System messages must carry an id (≥ 4 payload bytes, as Godot checks). */
export function decodeMessage(message: Uint8Array): DecodeResult {
  if (message.byteLength < HEADER_SIZE) {
    return { error: `Invalid multiplayer message: ${message.byteLength} bytes, shorter than the ${HEADER_SIZE}-byte header` };
  }
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const type = view.getUint8(0);
  if (type > MessageType.ID) return { error: `Invalid multiplayer message type ${type}` };
  const payload = message.subarray(HEADER_SIZE);
  if (type !== MessageType.DATA && payload.byteLength < ID_SIZE) {
    return { error: `Invalid ${MessageType[type]} message: ${payload.byteLength}-byte payload, expected a ${ID_SIZE}-byte id` };
  }
  return { type, from: view.getInt32(1, true), to: view.getInt32(5, true), payload };
}

/** The id a system message's payload carries. */
export function systemMessageId(message: DecodedMessage): number {
  return readId(message.payload);
}

/** Godot 4's handshake: the id as 4 bytes, little-endian. */
export function encodeId(id: number): Uint8Array {
  const bytes = new Uint8Array(ID_SIZE);
  new DataView(bytes.buffer).setInt32(0, id, true);
  return bytes;
}

/** Godot 4's handshake: exactly 4 bytes holding an id ≥ 2, else why not. */
export function decodeIdHandshake(message: Uint8Array): number | { error: string } {
  if (message.byteLength !== ID_SIZE) {
    return { error: `Invalid ID received from server: ${message.byteLength} bytes, expected ${ID_SIZE}` };
  }
  const id = readId(message);
  return isClientId(id) ? id : { error: `Invalid ID received from server: ${id} (must be at least ${MIN_CLIENT_ID})` };
}

function readId(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, ID_SIZE).getInt32(0, true);
}
