// Browsers cannot accept connections: every server on the platform answers ERR_UNAVAILABLE.
// Bundlers targeting browsers get this module in place of server-platform.ts, so nothing here may import from node/.
import { ErrorCode } from './constants.js';
import type { Listen } from './listener.js';

export const listenOnPlatform: Listen = () => ErrorCode.ERR_UNAVAILABLE;
