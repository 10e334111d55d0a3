// The two wire formats as strategies: what the server and the client roles send and how
// they read what arrives, so the roles never branch on the format. Stateless; the bytes
// themselves are in wire-format.ts.
import {
  decodeIdHandshake,
  decodeMessage,
  encodeId,
  encodeMessage,
  encodeSystemMessage,
  isClientId,
  MessageType,
  systemMessageId,
  type MultiplayerWireFormat,
} from './wire-format.js';

const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_POLICY_VIOLATION = 1008;

/** A message that breaks the protocol: the connection is closed with this code and reason. */
export interface Violation {
  readonly kind: 'violation';
  readonly code: number;
  readonly reason: string;
}

/** What a client's message means to the server. */
export type FromClient = { readonly kind: 'data'; readonly to: number; readonly payload: Uint8Array; readonly isString: boolean } | Violation;

/** What a server's message means to a client; `session` says what the client knows so far. */
export type FromServer =
  | { readonly kind: 'id'; readonly id: number; /** the id alone completes the handshake (Godot 4) */ readonly complete: boolean }
  | { readonly kind: 'ready' }
  | { readonly kind: 'joined'; readonly id: number }
  | { readonly kind: 'left'; readonly id: number }
  | { readonly kind: 'data'; readonly from: number; readonly payload: Uint8Array; readonly isString: boolean }
  | Violation;

export interface WireProtocol {
  readonly format: MultiplayerWireFormat;
  /** Whether the server relays between clients and announces them to each other. */
  readonly relays: boolean;
  /** What the server sends a client it admits, before anything else. */
  welcome(id: number): Uint8Array[];
  /** Server → client: another peer joined / left; null where the format has no such message. */
  joined(id: number): Uint8Array | null;
  left(id: number): Uint8Array | null;
  /** One data packet as it goes on the wire. */
  data(from: number, to: number, payload: Uint8Array): Uint8Array;
  /** Server: reads a message from client `sender`. */
  fromClient(message: Uint8Array, isString: boolean, sender: number): FromClient;
  /** Client: reads a message from the server; `myId` is 0 until the server gave one. */
  fromServer(message: Uint8Array, isString: boolean, myId: number): FromServer;
}

const violation = (reason: string, code = CLOSE_PROTOCOL_ERROR): Violation => ({ kind: 'violation', code, reason });

/** Godot 3: a 9-byte header on every message, system messages for ids, the server relays. */
export const godot3Protocol: WireProtocol = {
  format: 'godot3',
  relays: true,
  welcome: (id) => [encodeSystemMessage(MessageType.ID, id), encodeSystemMessage(MessageType.ADD, 1)],
  joined: (id) => encodeSystemMessage(MessageType.ADD, id),
  left: (id) => encodeSystemMessage(MessageType.DEL, id),
  data: (from, to, payload) => encodeMessage(MessageType.DATA, from, to, payload),

  fromClient(message, _isString, sender) {
    const decoded = decodeMessage(message);
    if ('error' in decoded) return violation(decoded.error);
    if (decoded.type !== MessageType.DATA) return violation(`Only the server sends ${MessageType[decoded.type]} messages`);
    if (decoded.from !== sender) return violation(`Spoofed sender id ${decoded.from} (yours is ${sender})`, CLOSE_POLICY_VIOLATION);
    return { kind: 'data', to: decoded.to, payload: decoded.payload, isString: false };
  },

  fromServer(message, _isString, myId) {
    const decoded = decodeMessage(message);
    if ('error' in decoded) return violation(decoded.error);
    if (decoded.type === MessageType.DATA) return { kind: 'data', from: decoded.from, payload: decoded.payload, isString: false };
    const id = systemMessageId(decoded);
    switch (decoded.type) {
      case MessageType.ID:
        if (!isClientId(id)) return violation(`Invalid ID received from server: ${id}`);
        if (myId !== 0) return violation('A second ID message');
        return { kind: 'id', id, complete: false };
      case MessageType.ADD:
        if (id === 1) return myId === 0 ? violation('ADD(1) came before the ID message') : { kind: 'ready' };
        if (!isClientId(id) || id === myId) return violation(`Invalid ADD message: peer id ${id}`);
        return { kind: 'joined', id };
      default:
        return { kind: 'left', id };
    }
  },
};

/** Godot 4: the id as the first message (4 bytes), then bare packets; no relay, no announcements. */
export const godot4Protocol: WireProtocol = {
  format: 'godot4',
  relays: false,
  welcome: (id) => [encodeId(id)],
  joined: () => null,
  left: () => null,
  data: (_from, _to, payload) => payload,

  fromClient: (message, isString) => ({ kind: 'data', to: 1, payload: message, isString }),

  fromServer(message, isString, myId) {
    if (myId !== 0) return { kind: 'data', from: 1, payload: message, isString };
    const id = decodeIdHandshake(message);
    return typeof id === 'number' ? { kind: 'id', id, complete: true } : violation(id.error);
  },
};

export function wireProtocol(format: MultiplayerWireFormat): WireProtocol {
  return format === 'godot4' ? godot4Protocol : godot3Protocol;
}
