// `rxpeer/rxjs-compat`: RxJS 7's `rxjs/webSocket`, option for option. Changing the import
// path is the whole migration; without a WebSocketCtor it runs on rxpeer's WebSocketPeer.
export { webSocket, WebSocketSubject } from './websocket-subject.js';
export type { WebSocketMessage, WebSocketSubjectConfig } from './config.js';
