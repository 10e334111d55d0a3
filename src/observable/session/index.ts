export { clientSession } from './client-session.js';
export { resumeLimits, type ResumeOptions } from './options.js';
export { SessionCore, type SessionLimits } from './session-core.js';
export type { SessionLink } from './session-link.js';
export { SessionPeer } from './session-peer.js';
export { SessionServer } from './session-server.js';
export { isSessionProtocol, sessionProtocolFor, SESSION_PROTOCOL } from './wire.js';
