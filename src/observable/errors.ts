import { ErrorCode } from '../peer/constants.js';
import { describeText, describeValue } from '../peer/describe-value.js';

/** How a connection ended: `close$`'s value, and what an unclean close's error carries. */
export interface CloseInfo {
  /** The remote's close code (1005 for an empty close frame), or -1 when none arrived. */
  code: number;
  reason: string;
  /** `code !== -1`, as Godot defines it: a close frame arrived. */
  wasClean: boolean;
  /**
   * Why an unclean close happened, in words a person can act on: the refused address, the
   * name that did not resolve, the HTTP status the server answered, the missing
   * subprotocol, the TLS error, the missed pong, the handshake timeout. Absent on a clean close.
   */
  cause?: string;
}

/**
 * `connect()` errors with this when the connection fails before it opens or ends without
 * a close frame (code -1): a refused port, an unknown host, a drop, a missed heartbeat.
 * `retry()` and `reconnect()` reconnect. The message includes the `cause`.
 */
export class WebSocketCloseError extends Error implements CloseInfo {
  override readonly name = 'WebSocketCloseError';
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  declare readonly cause?: string;

  constructor(info: CloseInfo) {
    if (typeof info !== 'object' || info === null) throw new TypeError(`WebSocketCloseError: info must be a CloseInfo, got ${describeValue(info)}`);
    super(describeClose(info));
    this.code = info.code;
    this.reason = info.reason;
    this.wasClean = info.wasClean;
    if (info.cause !== undefined) this.cause = info.cause;
  }
}

/** One line for logs and CLIs: "connection failed: connection refused by 127.0.0.1:9 (code -1)". */
export function describeClose(info: CloseInfo): string {
  if (info.code === -1) return `WebSocket closed without a close frame: ${describeText(info.cause ?? 'no cause known')} (code -1)`;
  return `WebSocket closed with code ${describeText(info.code)}${info.reason ? `: ${describeText(info.reason)}` : ''}`;
}

/** A peer call refused the request: `errorCode` is the Godot ErrorCode it returned. */
export class WebSocketPeerError extends Error {
  override readonly name = 'WebSocketPeerError';
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(`${describeText(message)}: ${typeof errorCode === 'number' ? (ErrorCode[errorCode] ?? errorCode) : describeValue(errorCode)}`);
  }
}
