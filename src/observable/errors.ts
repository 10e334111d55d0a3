import { ErrorCode } from '../peer/constants.js';

/** How a connection ended: `close$`'s value, and what an unclean close's error carries. */
export interface CloseInfo {
  /** The remote's close code (1005 for an empty close frame), or -1 when none arrived. */
  code: number;
  reason: string;
  /** `code !== -1`, as Godot defines it: a close frame arrived. */
  wasClean: boolean;
}

/**
 * `packets$` and `connect()` error with this when the connection ends without a close
 * frame (code -1): a drop, a failed connect, a missed heartbeat. `retry()` reconnects.
 */
export class WebSocketCloseError extends Error implements CloseInfo {
  override readonly name = 'WebSocketCloseError';
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;

  constructor(info: CloseInfo) {
    super(
      info.code === -1
        ? 'WebSocket closed without a close frame (code -1)'
        : `WebSocket closed with code ${info.code}${info.reason ? `: ${info.reason}` : ''}`,
    );
    this.code = info.code;
    this.reason = info.reason;
    this.wasClean = info.wasClean;
  }
}

/** A peer call refused the request: `errorCode` is the Godot ErrorCode it returned. */
export class WebSocketPeerError extends Error {
  override readonly name = 'WebSocketPeerError';
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(`${message}: ${ErrorCode[errorCode] ?? errorCode}`);
  }
}
