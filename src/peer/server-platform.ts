// Node: where servers get their connections (TCPServer, with TLS when given server options).
// Kept apart from platform.ts so that a client (WebSocketPeer.connectToUrl) never loads a
// TCP server. Imported as "#server-platform": package.json "imports" maps it to this module,
// and to server-platform.browser.ts under the "browser" condition, where no server can run.
import type { Listen } from './listener.js';
import { listenTcp } from './node/tcp-listener.js';

export const listenOnPlatform: Listen = listenTcp;
