// Node: where servers get their connections (TCPServer, with TLS when given server options).
// Kept apart from platform.ts so that a client (WebSocketPeer.connectToUrl) never loads a
// TCP server; bundlers targeting browsers swap this module for server-platform.browser.ts
// (package.json "browser"), where no server can run.
import type { Listen } from './listener.js';
import { listenTcp } from './node/tcp-listener.js';

export const listenOnPlatform: Listen = listenTcp;
