/** Ready state of a {@link WebSocketPeer}, numbered as Godot's `WebSocketPeer.State`. */
export enum State {
  CONNECTING = 0,
  OPEN = 1,
  CLOSING = 2,
  CLOSED = 3,
}

/** Frame type used by `send()`, numbered as Godot's `WebSocketPeer.WriteMode`. */
export enum WriteMode {
  TEXT = 0,
  BINARY = 1,
}

/** Godot's `Error` enum (core/error/error_list.h), same numbers. */
export enum ErrorCode {
  OK = 0,
  FAILED = 1,
  ERR_UNAVAILABLE = 2,
  ERR_UNCONFIGURED = 3,
  ERR_UNAUTHORIZED = 4,
  ERR_PARAMETER_RANGE_ERROR = 5,
  ERR_OUT_OF_MEMORY = 6,
  ERR_FILE_NOT_FOUND = 7,
  ERR_FILE_BAD_DRIVE = 8,
  ERR_FILE_BAD_PATH = 9,
  ERR_FILE_NO_PERMISSION = 10,
  ERR_FILE_ALREADY_IN_USE = 11,
  ERR_FILE_CANT_OPEN = 12,
  ERR_FILE_CANT_WRITE = 13,
  ERR_FILE_CANT_READ = 14,
  ERR_FILE_UNRECOGNIZED = 15,
  ERR_FILE_CORRUPT = 16,
  ERR_FILE_MISSING_DEPENDENCIES = 17,
  ERR_FILE_EOF = 18,
  ERR_CANT_OPEN = 19,
  ERR_CANT_CREATE = 20,
  ERR_QUERY_FAILED = 21,
  ERR_ALREADY_IN_USE = 22,
  ERR_LOCKED = 23,
  ERR_TIMEOUT = 24,
  ERR_CANT_CONNECT = 25,
  ERR_CANT_RESOLVE = 26,
  ERR_CONNECTION_ERROR = 27,
  ERR_CANT_ACQUIRE_RESOURCE = 28,
  ERR_CANT_FORK = 29,
  ERR_INVALID_DATA = 30,
  ERR_INVALID_PARAMETER = 31,
  ERR_ALREADY_EXISTS = 32,
  ERR_DOES_NOT_EXIST = 33,
  ERR_DATABASE_CANT_READ = 34,
  ERR_DATABASE_CANT_WRITE = 35,
  ERR_COMPILATION_FAILED = 36,
  ERR_METHOD_NOT_FOUND = 37,
  ERR_LINK_FAILED = 38,
  ERR_SCRIPT_FAILED = 39,
  ERR_CYCLIC_LINK = 40,
  ERR_INVALID_DECLARATION = 41,
  ERR_DUPLICATE_SYMBOL = 42,
  ERR_PARSE_ERROR = 43,
  ERR_BUSY = 44,
  ERR_SKIP = 45,
  ERR_HELP = 46,
  ERR_BUG = 47,
  ERR_PRINTER_ON_FIRE = 48,
}

/** Close code reported when no close frame was received (RFC 6455's 1006, Godot's -1). */
export const CLOSE_CODE_ABNORMAL = -1;

/** A close is clean when a close frame was received (its code is not -1), whoever sent the first one. */
export function isCleanClose(closeCode: number): boolean {
  return closeCode !== CLOSE_CODE_ABNORMAL;
}
/** The longest close reason that fits a control frame: 125 bytes minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * The longest duration a peer setting takes, in seconds (heartbeatInterval,
 * handshakeTimeout, closeTimeout): 2^31-1 ms, the longest a JavaScript timer can wait
 * (Node and browsers fire a longer one at once). Longer values are ignored, as negative ones.
 */
export const MAX_PEER_SECONDS = (2 ** 31 - 1) / 1000;

/** Close code and reason the peer sends when it rejects what it received; they are also what it reports. */
export const PROTOCOL_CLOSE = {
  protocolError: { code: 1002, reason: 'Protocol error' },
  invalidPayload: { code: 1007, reason: 'Invalid frame payload data' },
  messageTooBig: { code: 1009, reason: 'Message too big' },
  /** ws's limit on frames per message (a flood of empty fragments): 1008, as ws sends it. */
  tooManyFragments: { code: 1008, reason: 'Too many message fragments' },
} as const;
