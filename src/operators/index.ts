/* Decoding */
export { text, type TextConfig } from './text.js';
export { binary, type BinaryConfig } from './binary.js';
export { json, type JsonConfig } from './json.js';
export { DecodeError, type DecodeConfig, type DecodeFailure } from './decode-error.js';

/* Connection streams */
export { reconnect, backoffDelay, type ReconnectConfig, type ReconnectAttempt } from './reconnect.js';
export { heartbeat, type HeartbeatConfig } from './heartbeat.js';

/* One connection across reconnects */
export {
  sendQueue,
  SendQueue,
  SendQueueOverflowError,
  type SendQueueConfig,
  type OverflowPolicy,
  type DroppedMessage,
  type SendResult,
  type SendOptions,
  type Message,
} from './send-queue.js';
export { connection, type Connection, type ConnectionConfig } from './connection.js';
export { multiplex, type MultiplexConfig } from './multiplex.js';
export { request, RequestError, type RequestConfig, type RequestId } from './request.js';
