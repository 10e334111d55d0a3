export { WebSocketClient, type WebSocketClientSignals } from './websocket-client.js';
export { WebSocketServer, type WebSocketServerSignals } from './websocket-server.js';
