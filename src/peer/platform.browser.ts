// Browsers: client connections over the native WebSocket, with the differences of Godot's
// web export. Bundlers targeting browsers get this module in place of platform.ts
// (the "browser" condition of "#platform" in package.json "imports"), so nothing here may
// import from node/.
import { connectWithBrowserWebSocket } from './browser/browser-transport.js';
import { ErrorCode } from './constants.js';
import type { Platform } from './platform.js';

let warnedAboutHeaders = false;

export const platform: Platform = {
  connect(request, sink) {
    // A page cannot set handshake headers; Godot's web export warns once (WARN_PRINT_ONCE).
    if (request.headers.length > 0 && !warnedAboutHeaders) {
      warnedAboutHeaders = true;
      console.warn('rxpeer: handshakeHeaders are ignored in the browser (a page cannot set WebSocket handshake headers).');
    }
    // TLS options are ignored too: the browser verifies certificates against its own trust store.
    return connectWithBrowserWebSocket(request, sink);
  },
  // A browser cannot accept connections.
  accept: () => ErrorCode.ERR_UNAVAILABLE,
};
