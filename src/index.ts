/* Peer */
export * from './peer/index.js';

/* Observable */
export * from './observable/index.js';
export { listen, type ListenOptions } from './observable/listen.js'; // Node only

/* Operators */
export * from './operators/index.js';
