/* Peer */
export * from './peer/index.js';

/* Observable */
export * from './observable/index.js';

/* Operators */
export * from './operators/index.js';
