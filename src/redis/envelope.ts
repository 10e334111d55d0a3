// How a node's channel traffic travels through Redis pub/sub: one binary envelope per
// message or entry change. Pure functions, no state.
//
//   [kind u8][counter f64 BE][node id length u8][node id (ASCII)][body]
//
// `counter` is the node's message sequence number for MESSAGE (receivers find gaps with it)
// and the node's entry version for SET/DEL (a snapshot read from Redis says which changes
// it already holds). Bodies: MESSAGE the payload; SET [key length u16 BE][key][value];
// DEL [key]. Keys and values are UTF-8.

export enum EnvelopeKind {
  MESSAGE = 0,
  SET = 1,
  DEL = 2,
}

export type Envelope =
  | { kind: EnvelopeKind.MESSAGE; counter: number; node: string; payload: Uint8Array }
  | { kind: EnvelopeKind.SET; counter: number; node: string; key: string; value: string }
  | { kind: EnvelopeKind.DEL; counter: number; node: string; key: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEAD = 1 + 8 + 1;

function head(kind: EnvelopeKind, counter: number, node: string, bodyLength: number): { bytes: Uint8Array; offset: number } {
  const nodeBytes = encoder.encode(node);
  const bytes = new Uint8Array(HEAD + nodeBytes.byteLength + bodyLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, kind);
  view.setFloat64(1, counter);
  view.setUint8(9, nodeBytes.byteLength);
  bytes.set(nodeBytes, HEAD);
  return { bytes, offset: HEAD + nodeBytes.byteLength };
}

export function encodeMessage(counter: number, node: string, payload: Uint8Array): Uint8Array {
  const { bytes, offset } = head(EnvelopeKind.MESSAGE, counter, node, payload.byteLength);
  bytes.set(payload, offset);
  return bytes;
}

export function encodeSet(counter: number, node: string, key: string, value: string): Uint8Array {
  const keyBytes = encoder.encode(key);
  const valueBytes = encoder.encode(value);
  const { bytes, offset } = head(EnvelopeKind.SET, counter, node, 2 + keyBytes.byteLength + valueBytes.byteLength);
  new DataView(bytes.buffer).setUint16(offset, keyBytes.byteLength);
  bytes.set(keyBytes, offset + 2);
  bytes.set(valueBytes, offset + 2 + keyBytes.byteLength);
  return bytes;
}

export function encodeDel(counter: number, node: string, key: string): Uint8Array {
  const keyBytes = encoder.encode(key);
  const { bytes, offset } = head(EnvelopeKind.DEL, counter, node, keyBytes.byteLength);
  bytes.set(keyBytes, offset);
  return bytes;
}

/** Reads an envelope; null for bytes that are not one (another program on the same Redis channel). */
export function decodeEnvelope(bytes: Uint8Array): Envelope | null {
  if (bytes.byteLength < HEAD) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = view.getUint8(0);
  const counter = view.getFloat64(1);
  const nodeLength = view.getUint8(9);
  const offset = HEAD + nodeLength;
  if (bytes.byteLength < offset || !Number.isSafeInteger(counter)) return null;
  const node = decoder.decode(bytes.subarray(HEAD, offset));
  const body = bytes.subarray(offset);
  switch (kind) {
    case EnvelopeKind.MESSAGE:
      return { kind, counter, node, payload: body };
    case EnvelopeKind.SET: {
      if (body.byteLength < 2) return null;
      const keyLength = view.getUint16(offset);
      if (body.byteLength < 2 + keyLength) return null;
      return {
        kind,
        counter,
        node,
        key: decoder.decode(body.subarray(2, 2 + keyLength)),
        value: decoder.decode(body.subarray(2 + keyLength)),
      };
    }
    case EnvelopeKind.DEL:
      return { kind, counter, node, key: decoder.decode(body) };
    default:
      return null;
  }
}
