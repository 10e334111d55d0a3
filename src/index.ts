/* Peer */
export * from './peer/index.js';

/* Observable */
export * from './observable/index.js';
export { listen, type ListenOptions } from './observable/listen.js'; // Node only
export { attach, type AttachOptions, type HttpServerLike } from './observable/attach.js'; // Node only
export type { RefusedHandshake, ServerOptions } from './observable/server-options.js';

/* Operators */
export * from './operators/index.js';
